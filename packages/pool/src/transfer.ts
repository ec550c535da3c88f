/**
 * `transfer: 'auto'`: the ArrayBuffers of a task's input that can be moved to the worker instead of
 * copied. A plain ArrayBuffer, or a typed array / Buffer that owns its whole buffer, at the top level
 * or one level down in a plain object. A view onto part of a larger buffer (Node's pooled small
 * Buffers are) is left to be copied: moving it would take the other views' memory with it. Empty
 * buffers are skipped (nothing to gain, and a detached one cannot be moved again).
 */
export function autoTransferList(inputs: readonly unknown[]): ArrayBuffer[] {
  const found = new Set<ArrayBuffer>()
  const consider = (value: unknown) => {
    if (value instanceof ArrayBuffer) {
      if (value.byteLength > 0) found.add(value)
    } else if (ArrayBuffer.isView(value) && value.buffer instanceof ArrayBuffer) {
      const { buffer } = value
      if (value.byteOffset === 0 && value.byteLength === buffer.byteLength && buffer.byteLength > 0) {
        found.add(buffer)
      }
    }
  }
  for (const input of inputs) {
    consider(input)
    if (input !== null && typeof input === 'object' && Object.getPrototypeOf(input) === Object.prototype) {
      for (const value of Object.values(input)) consider(value)
    }
  }
  return [...found]
}
