// Shown when rendering the page failed: a plain sentence and a retry, never the error's text,
// digest or stack (the server logs those).
'use client';

/** Props Next passes to a route's error.tsx. */
export interface RouteErrorProps {
  /** What was thrown; not shown. */
  error: unknown;
  /** Renders the page again. */
  retry: () => void;
}

export default function RouteError({ retry }: RouteErrorProps) {
  return (
    <main id="main" className="route-state">
      <div className="panel" role="alert">
        <h1>The page could not be shown</h1>
        <p>Something went wrong while showing the calculator. What you submitted is not affected.</p>
        <button type="button" onClick={() => retry()}>
          Try again
        </button>
      </div>
    </main>
  );
}
