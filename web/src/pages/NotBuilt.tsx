/** States plainly that a section is planned but not built, so no page shows invented data. */
export default function NotBuilt(props: { title: string; summary: string }) {
  return (
    <section>
      <h1>{props.title}</h1>
      <p>{props.summary}</p>
      <p class="notice">This section is not built yet. It will arrive in a later release.</p>
    </section>
  )
}
