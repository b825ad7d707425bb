import { createResource, createSignal, For, onCleanup, Show } from 'solid-js'

import FieldTable from '../components/upload/FieldTable'
import FileCheckNote from '../components/upload/FileCheckNote'
import Findings from '../components/upload/Findings'
import JobProgress from '../components/upload/JobProgress'
import MappingEditor from '../components/upload/MappingEditor'
import { sendFile } from '../components/upload/send-file'
import type {
  DateFormat,
  PreflightReport,
  UploadDetail,
  UploadEntity,
} from '../components/upload/types'
import UploadHistory from '../components/upload/UploadHistory'
import { valueOf } from '../lib/resource'
import { useSession } from '../lib/session'
import { trpc } from '../lib/trpc'

const apis: { entity: UploadEntity; label: string }[] = [
  { entity: 'accounts', label: 'Accounts' },
  { entity: 'account_users', label: 'Account users' },
  { entity: 'account_contacts', label: 'Account contacts' },
  { entity: 'events', label: 'Usage events' },
]

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** API upload: template, file, preflight, mapping, progress, results and history. */
export default function ApiUpload() {
  const [entity, setEntity] = createSignal<UploadEntity>('accounts')
  const [fields] = createResource(entity, (value) => trpc.uploads.fields.query({ entity: value }))
  const [sources] = createResource(() => trpc.eventSources.list.query())
  const [sourceId, setSourceId] = createSignal('')
  const [file, setFile] = createSignal<File | null>(null)
  const [sent, setSent] = createSignal<number | null>(null)
  const [pendingJobId, setPendingJobId] = createSignal<string | null>(null)
  const [report, setReport] = createSignal<PreflightReport | null>(null)
  const [mapping, setMapping] = createSignal<Record<string, string>>({})
  const [dateFormat, setDateFormat] = createSignal<DateFormat | ''>('')
  const [error, setError] = createSignal<string | null>(null)
  const [jobId, setJobId] = createSignal<string | null>(null)
  const [unfinished, setUnfinished] = createSignal<UploadDetail | null>(null)
  const { me } = useSession()
  // Viewers may look at uploads but not start or cancel one. The server checks every call too.
  const canUpload = () => ['admin', 'data_manager'].includes(valueOf(me)?.user.role ?? '')
  const [job, { refetch: refetchJob }] = createResource(jobId, (id) =>
    trpc.uploads.get.query({ jobId: id }),
  )
  const [pendingJob, { refetch: refetchPendingJob }] = createResource(pendingJobId, (id) =>
    trpc.uploads.get.query({ jobId: id }),
  )
  const [history, { refetch: refetchHistory }] = createResource(() => trpc.uploads.list.query())

  const timer = setInterval(() => {
    const pending = pendingJob()
    if (pending && !pending.fileCheck && report() && !report()?.sampleIsWholeFile) {
      void refetchPendingJob()
    }
    const current = job()
    if (current && ['queued', 'running'].includes(current.status)) {
      void refetchJob()
      void refetchHistory()
    }
  }, 1000)
  onCleanup(() => clearInterval(timer))

  const choices = () => ({
    jobId: pendingJobId()!,
    mapping: mapping(),
    dateFormat: dateFormat() || undefined,
  })

  const run = async (work: () => Promise<void>) => {
    setError(null)
    try {
      await work()
    } catch (caught) {
      setError(errorMessage(caught))
    }
  }

  const upload = () =>
    run(async () => {
      const chosen = file()
      if (!chosen) throw new Error('Choose a CSV file first.')
      const isEvents = entity() === 'events'
      if (isEvents && !sourceId()) throw new Error('Choose the event source for these events.')
      setReport(null)
      setJobId(null)
      const created = await trpc.uploads.create.mutate({
        entity: entity(),
        fileName: chosen.name,
        size: chosen.size,
        eventSourceId: isEvents ? sourceId() : undefined,
      })
      setPendingJobId(created.job.id)
      setSent(0)
      const preflight = await sendFile(
        created.job.id,
        chosen,
        created.partSize,
        created.partCount,
        setSent,
      )
      setReport(preflight)
      setMapping(preflight.mapping)
      void refetchHistory()
    })

  const check = () =>
    run(async () => {
      setReport(await trpc.uploads.check.mutate(choices()))
    })

  const start = () =>
    run(async () => {
      const started = await trpc.uploads.start.mutate(choices())
      setReport(null)
      setPendingJobId(null)
      setJobId(started.id)
      void refetchHistory()
    })

  const cancel = (id: string) =>
    run(async () => {
      await trpc.uploads.cancel.mutate({ jobId: id })
      setUnfinished(null)
      void refetchJob()
      void refetchHistory()
    })

  /** Opens a job from the history at the step it stopped at. */
  const open = (id: string) =>
    run(async () => {
      const opened = await trpc.uploads.get.query({ jobId: id })
      setReport(null)
      setPendingJobId(null)
      setJobId(null)
      setUnfinished(null)
      setSent(null)
      if (opened.status === 'preflighted' && opened.preflight) {
        const preflight = opened.preflight as PreflightReport
        setEntity(opened.entity)
        setPendingJobId(id)
        setMapping(preflight.mapping)
        setDateFormat('')
        setReport(preflight)
      } else if (opened.status === 'uploading' || opened.status === 'uploaded') {
        setUnfinished(opened)
      } else {
        setJobId(id)
      }
    })

  return (
    <section class="api-upload">
      <h1>API upload</h1>
      <p>
        Upload a CSV file and each row is sent to the chosen API, as a call to it would be. Every
        row ends written or failed with its reason.
      </p>
      <h2>1. Choose the API</h2>
      <select
        aria-label="API"
        value={entity()}
        onChange={(event) => setEntity(event.currentTarget.value as UploadEntity)}
      >
        <For each={apis}>{(api) => <option value={api.entity}>{api.label}</option>}</For>
      </select>{' '}
      <Show when={entity() === 'events'}>
        <label>
          Event source{' '}
          <select
            aria-label="Event source"
            value={sourceId()}
            onChange={(event) => setSourceId(event.currentTarget.value)}
          >
            <option value="">Choose a source</option>
            <For each={sources() ?? []}>
              {(source) => <option value={source.id}>{source.name}</option>}
            </For>
          </select>
        </label>{' '}
      </Show>
      <a href={`/api/uploads/templates/${entity()}.csv`} download="">
        Download the {entity()} template
      </a>
      <details>
        <summary>Fields</summary>
        <Show when={fields()}>
          {(list) => <FieldTable fields={list()} events={entity() === 'events'} />}
        </Show>
        <p>
          Dates may be YYYY-MM-DD, epoch milliseconds, a 4-digit year (read as 1 January, UTC) or
          MM/DD/YYYY or DD/MM/YYYY once you choose which. Files must be UTF-8.
        </p>
      </details>
      <h2>2. Pick the file</h2>
      <Show
        when={canUpload()}
        fallback={
          <p class="notice">
            Viewers can see uploads but not send one. Ask an admin for the data manager role to
            upload files.
          </p>
        }
      >
        <input
          type="file"
          accept=".csv,text/csv"
          aria-label="CSV file"
          onChange={(event) => setFile(event.currentTarget.files?.[0] ?? null)}
        />{' '}
        <button type="button" disabled={!file()} onClick={() => void upload()}>
          Upload and check
        </button>
      </Show>
      <Show when={sent() !== null && file()}>
        {(chosen) => (
          <p>
            <progress max={chosen().size} value={sent() ?? 0} aria-label="Upload progress" />{' '}
            {Math.round(((sent() ?? 0) / Math.max(1, chosen().size)) * 100)}% sent
          </p>
        )}
      </Show>
      <Show when={error()}>
        <p role="alert" class="notice">
          {error()}
        </p>
      </Show>
      <Show when={unfinished()}>
        {(stopped) => (
          <section aria-label="Unfinished upload">
            <p class="notice">
              The file upload of <strong>{stopped().fileName}</strong> was not finished, so it
              cannot be checked or started. Upload the file again above
              {canUpload() ? ', or cancel this upload to discard the parts sent so far.' : '.'}
            </p>
            <Show when={canUpload()}>
              <button type="button" onClick={() => void cancel(stopped().id)}>
                Cancel this upload
              </button>
            </Show>
          </section>
        )}
      </Show>
      <Show when={report()}>
        {(current) => (
          <>
            <h2>3. Check and map</h2>
            <Findings report={current()} />
            <Show when={!current().sampleIsWholeFile}>
              <FileCheckNote check={pendingJob()?.fileCheck ?? null} />
            </Show>
            <Show when={fields()}>
              {(list) => (
                <MappingEditor
                  report={current()}
                  fields={list()}
                  dimensions={entity() !== 'events'}
                  mapping={mapping()}
                  onChange={setMapping}
                />
              )}
            </Show>
            <label>
              Day/month dates are{' '}
              <select
                aria-label="Date format"
                value={dateFormat()}
                onChange={(event) => setDateFormat(event.currentTarget.value as DateFormat | '')}
              >
                <option value="">not in this file</option>
                <option value="MM/DD/YYYY">MM/DD/YYYY (03/04/2024 is 4 March)</option>
                <option value="DD/MM/YYYY">DD/MM/YYYY (03/04/2024 is 3 April)</option>
              </select>
            </label>{' '}
            <Show
              when={canUpload()}
              fallback={<p class="notice">Only an admin or data manager can start this upload.</p>}
            >
              <button type="button" onClick={() => void check()}>
                Check again
              </button>{' '}
              <button type="button" disabled={current().blocking} onClick={() => void start()}>
                Start processing
              </button>
            </Show>
          </>
        )}
      </Show>
      <Show when={job()}>
        {(current) => (
          <>
            <h2>4. Progress and results</h2>
            <JobProgress
              job={current()}
              canCancel={canUpload()}
              onCancel={() => void cancel(current().id)}
            />
          </>
        )}
      </Show>
      <h2>Upload history</h2>
      <Show when={history()}>
        {(jobs) => <UploadHistory jobs={jobs()} onOpen={(id) => void open(id)} />}
      </Show>
    </section>
  )
}
