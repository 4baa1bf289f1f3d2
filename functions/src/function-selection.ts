// Which functions a host process runs, chosen like the Functions host does it (index.ts and the local host).

/** The names listed in AzureFunctionsJobHost__functions__0..N (in index order), or undefined for all. */
export function selectedFunctionNames(env: NodeJS.ProcessEnv): string[] | undefined {
  const names = Object.entries(env)
    .filter(([name, value]) => /^AzureFunctionsJobHost__functions__\d+$/.test(name) && value)
    .sort(([a], [b]) => Number(a.split('__').pop()) - Number(b.split('__').pop()))
    .map(([, value]) => value as string);
  return names.length > 0 ? names : undefined;
}
