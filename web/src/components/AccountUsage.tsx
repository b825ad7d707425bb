// TODO: built with the Usage Event API.
export default function AccountUsage(props: { accountId?: string }) {
  void props
  return null
}
