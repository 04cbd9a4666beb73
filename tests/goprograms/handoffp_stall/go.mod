module handoffpstall

go 1.25
