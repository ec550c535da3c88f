const workerpool = require('workerpool')

workerpool.worker({ inc: (n) => n + 1 })
