// A Node.js handler as Nuclio's documentation writes one: the file handler.js, its export named by
// spec.handler alone ("reverser"), answering through context.callback.
exports.reverser = function (context, event) {
    const body = event.body.toString();
    context.logger.info('reversing ' + body.length + ' characters');
    context.callback(body.split('').reverse().join(''));
};
