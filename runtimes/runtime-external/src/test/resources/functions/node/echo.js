// Test handler: Nuclio-style, exercised by ExternalRuntimeTest.
exports.handler = function (context, event) {
    if (event.path === '/sleep') {
        const seconds = Number(event.fields.seconds || '5');
        context.logger.info('sleeping'); // tells a test that this wrapper now holds the event
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
    if (event.path === '/exit') {
        process.exit(3);
    }
    if (event.path === '/fail') {
        throw new Error('bad input from the test');
    }
    if (event.path === '/env') {
        context.callback({ ...process.env });
        return;
    }
    if (event.path === '/flood') {
        const lines = Number(event.fields.lines || '1000');
        for (let i = 0; i < lines; i++) {
            console.log('flood line ' + i);
            context.logger.info('flood log ' + i);
        }
        context.callback('flooded');
        return;
    }
    if (event.path === '/forge') {
        context.logger.info('a\nFAKE ERROR line');
        context.logger.infoWith('fields', { note: 'x\r\nFAKE ERROR field', 'k\nFAKE ERROR key': 1 });
        console.log('b\rFAKE ERROR \x1b[31mred\x1b[0m');
        process.stderr.write('c\x1b]0;title\x07 FAKE ERROR\u2028line\n');
        context.callback('forged');
        return;
    }
    if (event.path === '/forge-error') {
        throw new Error('boom\nFAKE ERROR from the message');
    }
    if (event.path === '/longline') {
        process.stdout.write('x'.repeat(Number(event.fields.bytes || '1000')));
        process.stdout.write('\nafter the long line\n');
        context.callback('long');
        return;
    }
    if (event.path === '/json') {
        return Promise.resolve({ worker: context.workerId, method: event.method, trigger: event.trigger.kind });
    }
    context.callback(new context.Response(event.body, { 'X-Echo': 'yes' }, 'application/octet-stream', 200));
};
