// Express's finalhandler prints a stack trace for every HttpError unless NODE_ENV is test.
process.env.NODE_ENV = 'test';
