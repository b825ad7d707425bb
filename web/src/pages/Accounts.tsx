// TODO: built by the console work.
export default function Accounts() {
  return (
    <section>
      <h1>Accounts</h1>
    </section>
  )
}
