import { A, useLocation } from '@solidjs/router'

/** Shown inside the layout for any console path that matches no page. */
export default function NotFound() {
  const location = useLocation()

  return (
    <section>
      <h1>Page not found</h1>
      <p>
        The console has no page at <code>{location.pathname}</code>. The link may be mistyped or out
        of date.
      </p>
      <p>
        Go to <A href="/">Source overview</A>, or pick a page from the menu.
      </p>
    </section>
  )
}
