/// The version `dnatune --version` prints.
let dnatuneVersion = "0.1.0"
