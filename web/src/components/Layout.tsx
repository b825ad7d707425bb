import { A, type RouteSectionProps } from '@solidjs/router'

const sections = [
  { href: '/', label: 'Source overview' },
  { href: '/source-mapping', label: 'Source mapping' },
  { href: '/oauth', label: 'Manage OAuth' },
  { href: '/credentials', label: 'Manage credentials' },
  { href: '/api-status', label: 'API status' },
  { href: '/api-upload', label: 'API upload' },
  { href: '/email', label: 'Email configuration' },
]

// TODO: the console work adds the signed-in guard, the user menu and sign-out.
export default function Layout(props: RouteSectionProps) {
  return (
    <div class="shell">
      <nav aria-label="IT Administration">
        <strong>Switchyard</strong>
        {sections.map((section) => (
          <A href={section.href} end={section.href === '/'}>
            {section.label}
          </A>
        ))}
        <A href="/accounts">Accounts</A>
        <A href="/people">People</A>
      </nav>
      <main>{props.children}</main>
    </div>
  )
}
