// TODO: built by the console work.
export default function SignIn() {
  return (
    <section>
      <h1>SignIn</h1>
    </section>
  )
}
