/**
 * User text reaches the model only inside clearly delimited blocks, introduced as data. Angle brackets
 * in the text are replaced by look-alikes so it can never close its block or open a tag of its own.
 */
export function neutralize(text: string): string {
  return text.replace(/</g, '‹').replace(/>/g, '›');
}

export function dataBlock(tag: string, fields: Record<string, string | null | undefined>): string {
  const lines = Object.entries(fields)
    .filter(([, v]) => v !== null && v !== undefined && v.trim() !== '')
    .map(([k, v]) => `<${k}>\n${neutralize(v!.trim())}\n</${k}>`);
  return `<${tag}>\n${lines.join('\n')}\n</${tag}>`;
}
