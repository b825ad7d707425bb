// TODO: built by the console work.
export default function ApiUpload() {
  return (
    <section>
      <h1>ApiUpload</h1>
    </section>
  )
}
