module github.com/ticketify/ticketify

go 1.26

require (
	github.com/FerretDB/FerretDB v1.24.2 // indirect
	github.com/ThreeDotsLabs/watermill v1.5.1 // indirect
	github.com/google/uuid v1.6.0 // indirect
	github.com/lithammer/shortuuid/v3 v3.0.7 // indirect
	github.com/oklog/ulid v1.3.1 // indirect
	go.mongodb.org/mongo-driver/v2 v2.10.0 // indirect
)
