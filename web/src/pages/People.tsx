// TODO: built by the console work.
export default function People() {
  return (
    <section>
      <h1>People</h1>
    </section>
  )
}
