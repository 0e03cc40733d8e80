/**
 * `npm run bench`: the static bench (bench/static.ts), or, given `--stacks`, the account-scale bench (bench/account.ts),
 * as issue 5 names it: `npm run bench -- --stacks 1000`.
 */
const accountBench = process.argv.some((argument) => argument === "--stacks" || argument.startsWith("--stacks="));
await import(accountBench ? "./account.ts" : "./static.ts");
