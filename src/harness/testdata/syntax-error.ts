// Deliberately broken: a learner's typo, for the harness tests.
const server = {
console.log('never runs'
