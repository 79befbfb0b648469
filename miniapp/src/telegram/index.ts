// Package telegram: the bridge to the Telegram WebApp object. The init data it
// exposes is opaque: the app forwards it to the API and never trusts it itself.
export * from './webapp';
export * from './bridge';
export * from './theme';
export * from './launchParams';
