/**
 * Ends the run with one line, `N passed, N failed`, so a CI log reads at a glance, and says plainly which database
 * engines the integration and e2e suites ran against (tests are tagged `[engine: <name>]` by describeEachEngine) and
 * which were not run, with why.
 */
const engines = ['sqlite', 'postgresql', 'mysql'];

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const perEngine = Object.fromEntries(engines.map((engine) => [engine, { passed: 0, failed: 0, skipped: 0 }]));
    for (const file of results.testResults) {
      for (const test of file.testResults) {
        const tag = test.ancestorTitles.join(' ').match(/\[engine: (\w+)\]/);
        if (!tag || !perEngine[tag[1]]) continue;
        const counts = perEngine[tag[1]];
        if (test.status === 'passed') counts.passed += 1;
        else if (test.status === 'failed') counts.failed += 1;
        else counts.skipped += 1;
      }
    }
    const tagged = engines.some((engine) => Object.values(perEngine[engine]).some((count) => count > 0));
    const ran = engines.filter((engine) => perEngine[engine].passed + perEngine[engine].failed > 0);
    const notRun = engines.filter((engine) => !ran.includes(engine));
    const reasons = JSON.parse(process.env.TEST_ENGINES_UNAVAILABLE || '{}');
    const describeEngine = (engine) => {
      const { passed, failed } = perEngine[engine];
      return `${engine} (${passed} passed${failed ? `, ${failed} failed` : ''})`;
    };
    const skipped = results.numPendingTests + results.numTodoTests;
    const suffix = skipped > 0 ? `, ${skipped} skipped` : '';
    const engineLine =
      `databases: ran on ${ran.length ? ran.map(describeEngine).join(', ') : 'no engine'}` +
      (notRun.length ? `; NOT run on ${notRun.map((engine) => (reasons[engine] ? `${engine} (${reasons[engine]})` : engine)).join(', ')}` : '');
    process.stdout.write(tagged ? `\n${engineLine}\n` : '\ndatabases: no database suite in this run\n');
    process.stdout.write(`${results.numPassedTests} passed, ${results.numFailedTests} failed${suffix}\n`);
  }
}
module.exports = SummaryReporter;
