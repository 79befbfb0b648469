// Package deploy holds the production deployment of Tet-a-Tet: the
// Dockerfiles, the compose stacks (single host and scale-out) and the Caddy
// proxy config. Its Go code is only tests: they load those files with
// compose-go, the loader Docker Compose itself uses, and check them against
// the repository and against the API's and the bot's configuration structs;
// they run the real Centrifugo and SeaweedFS binaries with the environment
// compose gives them; and TestScaleOut runs the scale-out shape in miniature
// (two Centrifugo nodes on one Redis, two API processes). Nothing may import
// this package, and no secret may ever be written into its files: they read
// secrets from the environment only.
package deploy
