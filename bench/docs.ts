export async function writeDocs(): Promise<void> {}
