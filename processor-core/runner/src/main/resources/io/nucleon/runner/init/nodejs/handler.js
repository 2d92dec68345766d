// {{name}}: called once per event, with Nuclio's context and event; answers through context.callback.

exports.handler = function (context, event) {
    const name = event.fields.name || 'world';
    context.logger.infoWith('greeting', { name: name });
    context.callback(new context.Response(`Hello, ${name}!`, {}, 'text/plain', 200));
};
