// TODO: built by the console work.
export default function SourceOverview() {
  return (
    <section>
      <h1>SourceOverview</h1>
    </section>
  )
}
