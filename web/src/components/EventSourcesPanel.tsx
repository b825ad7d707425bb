// TODO: built with the Usage Event API.
export default function EventSourcesPanel(props: { accountId?: string }) {
  void props
  return null
}
