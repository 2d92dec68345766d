// Sends the event's body through the kafka binding "out" (KafkaBindingFromWrappersTest).
exports.handler = async function (context, event) {
  const out = context.dataBinding.out
  const key = Object.entries(event.headers).find(([k]) => k.toLowerCase() === 'x-key')
  try {
    if (event.path === '/send') return await out.send(event.body, { key: key && key[1], headers: { via: 'node' } })
    if (event.path === '/bad-arguments') return await out.call('send', 'x', { partition: 'first' })
  } catch (e) {
    if (e instanceof context.BindingError) return { error: e.code, message: e.message }
    throw e
  }
  return [404, 'no such path']
}
