// Shown while the page is on its way (the route's Suspense fallback): says so, in words.
export default function Loading() {
  return (
    <main id="main" className="route-state" aria-busy="true">
      <p className="panel empty" role="status">
        Loading the Fibonacci calculator…
      </p>
    </main>
  );
}
