package discord

import (
	"net/url"
	"testing"
)

func TestTheArchiverFetchesOnlyAttachmentsOnDiscordsCDN(t *testing.T) {
	a := NewArchiver(ArchiverConfig{CDNURL: "https://cdn.discordapp.com"})
	for link, want := range map[string]bool{
		"https://cdn.discordapp.com/attachments/1/2/shot.png?ex=1&is=2&hm=3": true,
		"https://media.discordapp.net/attachments/1/2/shot.png":              true,
		"https://cdn.discordapp.com/attachments/1/2/..env.txt":               true, // a name, not a way out
		"https://cdn.discordapp.com/attachments/1/2/%2eenv":                  true,
		"https://cdn.discordapp.com/attachments/1/2/my%20file.png":           true,
		"https://cdn.discordapp.com/attachments/../../internal":              false,
		"https://cdn.discordapp.com/attachments/%2e%2e/%2e%2e/internal":      false,
		"https://cdn.discordapp.com/attachments/1%2f..%2f..%2fx":             false,
		"https://cdn.discordapp.com/attachments/1%5c..%5cx":                  false,
		"https://cdn.discordapp.com/attachments/./x":                         false,
		"https://cdn.discordapp.com/avatars/1/2.png":                         false,
		"https://cdn.discordapp.com:8443/attachments/1/2/x":                  false,
		"https://user@cdn.discordapp.com/attachments/1/2/x":                  false,
		"https://cdn.discordapp.com.evil.example/attachments/1/2/x":          false,
		"https://cdn.discordapp.com/attachments/1/2/x#frag":                  false,
		"http://cdn.discordapp.com/attachments/1/2/x":                        false,
		"http://127.0.0.1:8080/attachments/1/2/x":                            false,
		"file:///etc/passwd": false,
	} {
		u, err := url.Parse(link)
		if err != nil {
			t.Fatal(err)
		}
		if got := a.allowed(u); got != want {
			t.Errorf("%s: allowed %v, want %v", link, got, want)
		}
	}
}
