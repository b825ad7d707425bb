import type { Finding } from './preflight'

const zipMagic = [0x50, 0x4b, 0x03, 0x04]
const oleMagic = [0xd0, 0xcf, 0x11, 0xe0]
const utf16Boms = [
  [0xff, 0xfe],
  [0xfe, 0xff],
]

function startsWith(bytes: Uint8Array, magic: number[]): boolean {
  return magic.every((byte, index) => bytes[index] === byte)
}

/**
 * Returns the one finding for a file that is not CSV text: an Excel workbook (an .xlsx is a ZIP
 * file, a legacy .xls an OLE file) or other binary data with NUL bytes. Returns null for text.
 * UTF-16 text with a byte order mark also has NUL bytes, so it is left to the encoding check.
 */
export function checkNotText(sample: Uint8Array): Finding | null {
  if (startsWith(sample, zipMagic) || startsWith(sample, oleMagic)) {
    return {
      level: 'error',
      code: 'excel',
      message: 'This is an Excel workbook, not CSV: in Excel choose File > Save As > CSV UTF-8.',
    }
  }
  if (utf16Boms.some((bom) => startsWith(sample, bom))) return null
  if (sample.includes(0)) {
    return {
      level: 'error',
      code: 'binary',
      message:
        'This file contains binary data, not CSV text: export the data as CSV UTF-8 and upload that file.',
    }
  }
  return null
}
