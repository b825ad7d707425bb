import type { PreflightReport } from './types'

function readCsrfToken(): string {
  const match = document.cookie.match(/(?:^|;\s*)sy_csrf=([^;]+)/)
  return match?.[1] ? decodeURIComponent(match[1]) : ''
}

function putPart(url: string, blob: Blob, onProgress: (bytes: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest()
    request.open('PUT', url)
    request.setRequestHeader('x-csrf-token', readCsrfToken())
    request.upload.onprogress = (event) => onProgress(event.loaded)
    request.onload = () => {
      if (request.status === 200) resolve()
      else reject(new Error(messageOf(request.responseText, request.status)))
    }
    request.onerror = () => reject(new Error('The network failed while sending the file; retry.'))
    request.send(blob)
  })
}

function messageOf(body: string, status: number): string {
  try {
    return (JSON.parse(body) as { message: string }).message
  } catch {
    return `The server answered HTTP ${status}.`
  }
}

/**
 * Sends a file in parts with `File.slice`, so the browser never reads it whole, then completes
 * the upload and returns the preflight report. `onProgress` receives bytes sent so far.
 */
export async function sendFile(
  jobId: string,
  file: File,
  partSize: number,
  partCount: number,
  onProgress: (bytes: number) => void,
): Promise<PreflightReport> {
  for (let part = 1; part <= partCount; part++) {
    const start = (part - 1) * partSize
    const blob = file.slice(start, Math.min(file.size, start + partSize))
    await putPart(`/api/uploads/${jobId}/parts/${part}`, blob, (bytes) => onProgress(start + bytes))
  }
  const response = await fetch(`/api/uploads/${jobId}/complete`, {
    method: 'POST',
    headers: { 'x-csrf-token': readCsrfToken() },
  })
  const text = await response.text()
  if (!response.ok) throw new Error(messageOf(text, response.status))
  return (JSON.parse(text) as { preflight: PreflightReport }).preflight
}
