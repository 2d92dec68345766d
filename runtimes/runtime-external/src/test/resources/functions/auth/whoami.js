// Test handler: answers the event's fields as JSON, exercised by AuthFieldsInWrappersTest.
exports.handler = function (context, event) {
    return Promise.resolve(Object.assign({}, event.fields));
};
