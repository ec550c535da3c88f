// The same trivial task for raw piscina and tinypool (both call the default export).
export default (n) => n + 1
