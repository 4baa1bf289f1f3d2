// The one page: a static header and the live dashboard (all data is fetched from /api in the browser).
import { Dashboard } from '@/features/dashboard/dashboard';

export default function HomePage() {
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="site-header">
        <h1>
          <span className="logo" aria-hidden="true">
            φ
          </span>{' '}
          Fibonacci calculator
        </h1>
        <p className="tagline">Submit an index; a worker computes F(n) exactly, however many digits it takes.</p>
      </header>
      <main id="main" tabIndex={-1}>
        <Dashboard />
      </main>
    </>
  );
}
