// Prints "N passed, N failed" over the vitest JSON reports named on the command line. A report
// that is missing (its suite crashed before writing it) counts as one failure.
import { existsSync, readFileSync } from 'node:fs'

let passed = 0
let failed = 0
for (const file of process.argv.slice(2)) {
  if (!existsSync(file)) {
    console.error(`No test report at ${file}: that suite did not finish.`)
    failed += 1
    continue
  }
  const report = JSON.parse(readFileSync(file, 'utf8'))
  passed += report.numPassedTests
  failed += report.numFailedTests
  if (report.numTotalTestSuites > 0 && report.success === false && report.numFailedTests === 0) {
    console.error(`${file}: a test file failed to load.`)
    failed += 1
  }
}
console.log(`${passed} passed, ${failed} failed`)
