package discord_test

import "github.com/ticketify/ticketify/projections/ticketviews"

func ticketviewsFilter() ticketviews.Filter { return ticketviews.Filter{} }
