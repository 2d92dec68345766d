// Test handler: Nuclio-style, exercised by ExternalRuntimeTest.
exports.handler = function (context, event) {
    if (event.path === '/sleep') {
        const seconds = Number(event.fields.seconds || '5');
        setTimeout(() => context.callback('woke'), seconds * 1000);
        return;
    }
    if (event.path === '/log') {
        context.logger.infoWith('handled a log request', { order_id: 42, customer: 'ada' });
        context.callback('logged');
        return;
    }
    if (event.path === '/pid') {
        context.callback(String(process.pid));
        return;
    }
    if (event.path === '/fail') {
        throw new Error('bad input from the test');
    }
    if (event.path === '/json') {
        return Promise.resolve({ worker: context.workerId, method: event.method, trigger: event.trigger.kind });
    }
    context.callback(new context.Response(event.body, { 'X-Echo': 'yes' }, 'application/octet-stream', 200));
};
