// The hello-node function: a Nuclio-style Node.js handler, run unmodified by Nucleon.

exports.initContext = function (context) {
    // Runs once per worker before its first event.
    context.userData.greeting = 'Hello';
    context.logger.infoWith('worker ready', { workerId: context.workerId });
};

exports.handler = function (context, event) {
    let name = event.fields.name;
    if (name === undefined && event.body.length > 0) {
        try {
            name = JSON.parse(event.body.toString('utf8')).name;
        } catch (e) {
            context.callback(new context.Response({ error: 'the body must be JSON like {"name": "Ada"}' },
                {}, 'application/json', 400));
            return;
        }
        context.logger.infoWith('greeted from JSON', { name: name });
        context.callback({ greeting: `${context.userData.greeting}, ${name}!` });
        return;
    }
    context.callback(`${context.userData.greeting}, ${name || 'world'}!`);
};
