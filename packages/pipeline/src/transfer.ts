/**
 * The ArrayBuffers a payload can hand to a worker without a copy: a plain ArrayBuffer, or a typed
 * array / Buffer that owns its whole buffer, at the top level or one level down in a plain object.
 * A view onto part of a larger buffer (Node's pooled small Buffers are) is left to be copied: moving
 * it would take the other views' memory with it.
 */
export function transferables(payload: unknown): ArrayBuffer[] {
  const found = new Set<ArrayBuffer>()
  const consider = (value: unknown) => {
    if (value instanceof ArrayBuffer) {
      found.add(value)
    } else if (ArrayBuffer.isView(value) && value.buffer instanceof ArrayBuffer) {
      if (value.byteOffset === 0 && value.byteLength === value.buffer.byteLength) found.add(value.buffer)
    }
  }
  consider(payload)
  if (
    payload !== null &&
    typeof payload === 'object' &&
    Object.getPrototypeOf(payload) === Object.prototype
  ) {
    for (const value of Object.values(payload)) consider(value)
  }
  return [...found]
}
