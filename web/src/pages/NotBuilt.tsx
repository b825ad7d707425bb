import { For } from 'solid-js'

/**
 * States plainly that a section is planned but not built, and what it will do, so no page shows
 * invented data.
 */
export default function NotBuilt(props: { title: string; summary: string; planned: string[] }) {
  return (
    <section>
      <h1>{props.title}</h1>
      <p>{props.summary}</p>
      <div class="notice" role="status">
        <p>
          <strong>Not built yet.</strong> This section arrives in a later release. When it does, it
          will let an admin:
        </p>
        <ul>
          <For each={props.planned}>{(item) => <li>{item}</li>}</For>
        </ul>
      </div>
    </section>
  )
}
