// TODO: built by the console work.
export default function ApiStatus() {
  return (
    <section>
      <h1>ApiStatus</h1>
    </section>
  )
}
