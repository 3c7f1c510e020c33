// The error page for 403, 404, 500 and the rest: the message, a way home, and the request id for support.
import type { ErrorPageProps } from '../../../core/views/theme.js'

const TITLES: Record<number, string> = {
  400: 'That did not work',
  401: 'Please log in',
  403: 'Not allowed',
  404: 'Not found',
  413: 'Too large',
  429: 'Slow down',
  500: 'Something broke',
}

export function ErrorPage({ status, message, requestId }: ErrorPageProps) {
  return (
    <section class="card error-page">
      <h1>{TITLES[status] ?? 'Error'}</h1>
      <p>{message}</p>
      <p>
        <a href="/">Go to the home page</a>
      </p>
      {requestId && status >= 500 && <p class="hint">Reference: {requestId}</p>}
    </section>
  )
}
