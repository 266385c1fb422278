"""Word lists for the synthetic population: first names by era, surnames, nicknames, streets.

First names carry the birth year they peaked in and a relative weight, so a
person's first name fits their age (Margaret ~1935, Tracey ~1970, Olivia ~2010).
Surnames carry rough frequencies per 100,000 in England and Wales, nudged
towards Merseyside (more Irish and Welsh names); a generated tail of English
place-like surnames gives the long tail real populations have.
"""

from __future__ import annotations

import numpy as np

# name:peak_year:weight[:spread_years]
_FEMALE = """
Margaret:1935:30 Joan:1930:20 Dorothy:1925:18 Mary:1932:26:20 Doris:1925:10 Irene:1930:12
Betty:1932:12 Joyce:1935:14 Elsie:1922:8 Edna:1925:8 Vera:1927:8 Jean:1938:22 Patricia:1945:24
Barbara:1942:18 Sheila:1945:16 Maureen:1946:16 Brenda:1946:14 Audrey:1935:9 Eileen:1935:10
Kathleen:1938:14 Sylvia:1940:10 Valerie:1946:12 Pauline:1950:16 June:1940:9 Marjorie:1930:8
Hilda:1922:6 Winifred:1922:6 Elizabeth:1960:18:25 Christine:1955:22 Susan:1960:26 Linda:1957:22
Janet:1955:18 Carol:1956:18 Ann:1950:16 Anne:1956:16 Elaine:1962:14 Lesley:1962:10 Julie:1966:22
Karen:1966:22 Tracey:1970:18 Tracy:1968:10 Deborah:1965:14 Jacqueline:1962:12 Gillian:1962:10
Alison:1967:12 Amanda:1972:16 Sharon:1967:16 Lisa:1975:18 Nicola:1978:16 Claire:1979:16
Michelle:1975:16 Joanne:1975:16 Sarah:1983:22:14 Emma:1987:22 Kelly:1986:12 Donna:1975:10
Samantha:1986:14 Rebecca:1989:16 Laura:1989:18 Gemma:1987:14 Hayley:1989:10 Victoria:1988:12
Jennifer:1986:10 Stacey:1989:9 Danielle:1991:10 Amy:1994:16 Jessica:1996:16 Hannah:1996:16
Lauren:1994:14 Chloe:2000:16 Sophie:1999:16 Charlotte:2000:14 Megan:2001:12 Emily:2002:16
Olivia:2011:16 Amelia:2013:14 Isla:2015:10 Ava:2013:10 Mia:2014:10 Grace:2009:10 Ella:2011:9
Lily:2011:12 Evie:2013:9 Poppy:2013:8 Ruby:2009:9 Freya:2015:8 Isabella:2011:8 Sophia:2016:7
Millie:2009:8 Katie:1996:10 Leah:1999:8 Abigail:2001:7 Ellie:2006:9 Holly:1996:8 Jade:1993:9
Paige:1999:7 Courtney:1996:7 Bethany:1997:7 Catherine:1965:14:20 Helen:1968:14 Louise:1979:14
Rachel:1981:14 Kirsty:1986:9 Zoe:1989:8 Natalie:1986:9 Caroline:1970:10 Dawn:1968:9
Wendy:1964:8 Jill:1960:6 Rose:1930:6 Lilian:1928:6 Hazel:1950:6 Aisha:2010:3 Fatima:2008:2
"""

_MALE = """
Albert:1922:10 Frederick:1925:12 Ernest:1922:10 Harold:1926:12 Leslie:1935:10 Stanley:1932:10
Kenneth:1940:16 Ronald:1940:16 Dennis:1940:10 Raymond:1946:14 Brian:1950:18 Terence:1950:10
Derek:1946:10 Roy:1946:10 Norman:1940:10 Gerald:1946:8 Alan:1956:18 Peter:1956:22:18
John:1955:30:22 David:1965:30:22 Michael:1966:26:18 Robert:1962:18:20 William:1952:14:22
James:1975:20:25 Stephen:1968:20 Paul:1968:22 Mark:1971:20 Andrew:1973:18 Anthony:1968:16
Christopher:1980:18 Gary:1970:14 Kevin:1968:14 Ian:1966:14 Keith:1960:10 Graham:1962:10
Colin:1958:10 Philip:1962:10 Martin:1966:10 Richard:1970:14:18 Neil:1972:10 Darren:1975:12
Lee:1979:10 Craig:1981:10 Wayne:1975:9 Jason:1979:9 Dean:1981:8 Carl:1978:8 Scott:1986:9
Daniel:1992:18 Matthew:1989:16 Thomas:1997:18:18 Adam:1991:12 Ryan:1993:12 Liam:1996:12
Jordan:1997:9 Luke:1996:10 Jack:2002:18:14 Joshua:2001:14 Callum:1999:9 Kieran:1996:7
Nathan:1994:8 Connor:2001:9 Jamie:1993:9 Lewis:1999:9 Samuel:2002:10 Joseph:2002:12:18
Benjamin:2004:9 Harry:2009:14 Charlie:2011:11 Oliver:2013:15 George:2013:12 Noah:2017:10
Oscar:2015:8 Leo:2017:8 Alfie:2013:9 Freddie:2015:8 Jacob:2009:8 Ethan:2009:8 Mohammed:2015:5
Dylan:2006:7 Tyler:2004:7 Kyle:1995:7 Jake:2001:9 Alexander:2006:8 Edward:1950:8:25
Francis:1942:6 Patrick:1956:8:20 Sean:1982:8 Gareth:1979:7 Barry:1960:8 Tony:1966:6
Steven:1970:14 Simon:1971:9 Jonathan:1977:9 Nicholas:1976:8 Timothy:1966:6 Frank:1930:8
Arthur:1925:10 Jimmy:1960:3 Stuart:1972:7 Shaun:1982:6 Ahmed:2005:2
"""

SURNAMES = """
Smith:1260 Jones:1150 Williams:760 Taylor:560 Brown:540 Davies:520 Evans:420 Wilson:360
Thomas:360 Johnson:330 Roberts:430 Robinson:300 Thompson:300 Wright:300 Walker:300 White:270
Edwards:300 Hughes:440 Green:270 Hall:270 Lewis:280 Harris:260 Clarke:260 Patel:90 Jackson:260
Wood:250 Turner:240 Martin:240 Cooper:230 Hill:230 Ward:220 Morris:250 Moore:220 Clark:200
Lee:200 King:200 Baker:200 Harrison:230 Morgan:200 Allen:180 James:200 Scott:180 Phillips:180
Watson:180 Davis:170 Parker:170 Price:170 Bennett:170 Young:160 Griffiths:200 Mitchell:160
Kelly:320 Cook:160 Carter:160 Richardson:150 Bailey:150 Collins:160 Bell:150 Shaw:150
Murphy:320 Miller:140 Cox:140 Richards:140 Khan:70 Marshall:130 Anderson:130 Simpson:130
Ellis:130 Adams:130 Singh:50 Wilkinson:130 Foster:120 Chapman:120 Powell:120 Webb:120
Rogers:120 Gray:120 Mason:120 Ali:50 Hunt:110 Hussain:40 Campbell:130 Matthews:110 Owen:160
Palmer:110 Holmes:110 Mills:110 Barnes:110 Knight:100 Lloyd:160 Butler:100 Russell:100
Barker:100 Fisher:100 Stevens:100 Jenkins:110 Murray:120 Dixon:100 Harvey:100 Graham:90
Pearson:90 Ahmed:40 Fletcher:90 Walsh:170 Gibson:90 Howard:90 Andrews:90 Stewart:90
Elliott:90 Reynolds:80 Saunders:80 Payne:80 Fox:80 Ford:80 Pearce:80 Day:80 Brooks:80 West:80
Lawrence:80 Cole:80 Atkinson:80 Bradley:80 Spencer:80 Gill:70 Dawson:70 Ball:70 Burton:70
O'Brien:140 Watts:70 Rose:70 Booth:70 Perry:70 Ryan:110 Grant:70 Wells:70 Armstrong:70
Francis:70 Rees:70 Hayes:70 Hart:70 Hudson:70 Newman:70 Barrett:70 Webster:70 Hunter:60
Gregory:60 Carr:60 Lowe:60 Page:60 Marsh:60 Riley:80 Dunn:60 Woods:60 Parsons:60 Berry:60
Stone:60 Reid:60 Holland:60 Hawkins:60 Harding:50 Porter:50 Robertson:50 Newton:50 Oliver:50
Reed:50 Kennedy:70 Williamson:50 Bird:50 Gardner:50 Dean:50 Lane:50 Cooke:50 Bates:50
Henderson:50 Parry:120 Burgess:50 Bishop:50 Walton:60 Burns:80 Nicholson:50 Shepherd:50
Ross:50 Cross:50 Long:50 Freeman:50 Warren:50 Nicholls:50 Hamilton:50 Byrne:120 Sutton:50
McDonald:90 Yates:60 Hodgson:50 Robson:50 Curtis:50 Hopkins:50 O'Neill:90 Quinn:80 Doyle:90
McCarthy:70 Gallagher:70 Connolly:60 McGuinness:30 McLaughlin:40 MacDonald:40 McKenzie:30
O'Connor:60 O'Hara:30 McGrath:40 Lynch:60 Brennan:40 Duffy:40 Fitzpatrick:40 Donnelly:40
Rimmer:40 Hesketh:20 Molyneux:30 Tyrer:20 Prescott:30 Nolan:50 Boyle:40 Flanagan:30
Maguire:40 Corrigan:20 Kavanagh:30 Moran:40 Cunningham:40 Dempsey:20 Mulligan:20 Rooney:30
McCormack:30 MacKenzie:20 O'Sullivan:30 D'Arcy:10 Pritchard:50 Vaughan:40 Jenkinson:20
"""

# Prefixes x suffixes: English toponymic surnames (Ashworth, Thornton, Kirkham ...).
_TAIL_PREFIX = (
    "Ash", "Brad", "Brook", "Bur", "Cal", "Chad", "Craw", "Hal", "Hart", "Hey", "Holl", "Kirk",
    "Lang", "Mar", "Net", "Ox", "Pen", "Pick", "Ran", "Shaw", "Stan", "Thorn", "Wal", "Whit",
    "Wood", "Ather", "Black", "Brom", "Cart", "Dal", "Ever", "Fair", "Gold", "Green", "Hather",
    "Hol", "Lath", "Lind", "Mid", "Mor", "Nor", "Pil", "Red", "Ring", "Rush", "Stain", "Sun",
    "Under", "West", "Wins",
)
_TAIL_SUFFIX = (
    "ley", "ton", "worth", "field", "wood", "ford", "by", "ham", "well", "shaw", "croft", "dale",
    "cliffe", "hurst", "more",
)

NICKNAMES: dict[str, tuple[str, ...]] = {
    "Elizabeth": ("Liz", "Beth", "Lizzie", "Betty", "Libby"), "William": ("Bill", "Will", "Billy"),
    "Margaret": ("Maggie", "Peggy", "Meg", "Marg"), "Robert": ("Rob", "Bob", "Bobby", "Robbie"),
    "James": ("Jim", "Jimmy", "Jamie"), "Michael": ("Mick", "Mike", "Micky"),
    "Anthony": ("Tony", "Ant"), "Christopher": ("Chris", "Kit"), "Jonathan": ("Jon", "Jonny"),
    "Thomas": ("Tom", "Tommy"), "Joseph": ("Joe", "Joey"), "Daniel": ("Dan", "Danny"),
    "Matthew": ("Matt",), "Stephen": ("Steve", "Stevie"), "Steven": ("Steve", "Stevie"),
    "Patricia": ("Pat", "Trish", "Patsy"), "Catherine": ("Cath", "Kate", "Cathy"),
    "Kathleen": ("Kath", "Kathy"), "Jennifer": ("Jen", "Jenny"), "Susan": ("Sue", "Susie"),
    "Deborah": ("Debbie", "Deb"), "Alexander": ("Alex", "Sandy"), "Samuel": ("Sam", "Sammy"),
    "Samantha": ("Sam", "Sammy"), "Rebecca": ("Becky", "Becca"), "Victoria": ("Vicky", "Tori"),
    "Richard": ("Rich", "Ricky", "Dick"), "Edward": ("Ed", "Eddie", "Ted"), "Francis": ("Frank",),
    "Frederick": ("Fred", "Freddie"), "Kenneth": ("Ken", "Kenny"), "Peter": ("Pete",),
    "David": ("Dave", "Davey"), "Andrew": ("Andy", "Drew"), "Nicholas": ("Nick", "Nicky"),
    "Benjamin": ("Ben", "Benny"), "Joshua": ("Josh",), "Charlotte": ("Charlie", "Lottie"),
    "Jacqueline": ("Jackie", "Jacqui"), "Christine": ("Chris", "Chrissie"), "Dorothy": ("Dot",),
    "Gillian": ("Gill", "Jill"), "Joanne": ("Jo",), "Raymond": ("Ray",), "Ronald": ("Ron", "Ronnie"),
    "Terence": ("Terry", "Tel"), "Gerald": ("Gerry",), "Leslie": ("Les",), "Pamela": ("Pam",),
    "Philip": ("Phil",), "Timothy": ("Tim",), "Albert": ("Bert", "Albie"), "Harold": ("Harry",),
    "Stanley": ("Stan",), "Norman": ("Norm",), "Alan": ("Al",), "Michelle": ("Shelley",),
    "Nicola": ("Nicky", "Nikki"), "Jessica": ("Jess",), "Abigail": ("Abbie", "Abi"),
    "Amanda": ("Mandy",), "Barbara": ("Babs",), "Valerie": ("Val",), "Sharon": ("Shaz",),
    "Isabella": ("Bella", "Izzy"), "Alexandra": ("Alex", "Lexi"), "Oliver": ("Ollie",),
    "Jacob": ("Jake",), "Callum": ("Cal",), "Gareth": ("Gaz",), "Gary": ("Gaz",),
    "Patrick": ("Pat", "Paddy"), "Sean": ("Shaun",), "Nathan": ("Nate",), "Lewis": ("Lew",),
    "Arthur": ("Art",), "Jack": ("Jacky",), "Mary": ("Molly", "Mo"), "Hannah": ("Han",),
    "Katie": ("Kate",), "Lauren": ("Loz",), "Maureen": ("Mo",), "Eileen": ("Ei",),
}

STREET_BASES = (
    "Park", "Church", "Victoria", "Station", "Mill", "Chester", "Albert", "Queens", "Kings",
    "Grange", "Manor", "Beech", "Oak", "Elm", "Ash", "Birch", "Cedar", "Holly", "Willow",
    "Hawthorn", "Laburnum", "Poplar", "Chestnut", "Sycamore", "Rowan", "Maple", "Lime", "Hazel",
    "Orchard", "Meadow", "Field", "Brook", "Spring", "Bridge", "Green", "Hill", "Mount", "Priory",
    "Abbey", "Chapel", "School", "Market", "Cross", "Moor", "Marsh", "Shore", "Bay", "Beach",
    "Dock", "Ferry", "Canal", "Wood", "Forest", "Heath", "Common", "New", "Old", "High", "North",
    "South", "East", "West", "Upper", "Lower", "Windsor", "York", "Lancaster", "Stanley", "Derby",
    "Grosvenor", "Cavendish", "Balmoral", "Sandringham", "Clarence", "Alexandra", "Gladstone",
    "Wellington", "Nelson", "Trafalgar", "Waterloo", "Milton", "Shakespeare", "Byron", "Tennyson",
    "Wordsworth", "Dickens", "Cambridge", "Oxford", "Warwick", "Kenilworth", "Hampton", "Bidston",
    "Hoylake", "Wallasey", "Upton", "Arrowe", "Woodchurch", "Greasby", "Thingwall", "Irby",
    "Pensby", "Storeton", "Brimstage", "Thornton", "Raby", "Poulton", "Liscard", "Seacombe",
    "Egremont", "Claughton", "Oxton", "Prenton", "Tranmere", "Bebington", "Spital", "Eastham",
    "Hooton", "Caldy", "Frankby", "Meols", "Leasowe", "Moreton", "Saughall", "Ashfield",
    "Belmont", "Fairfield", "Highfield", "Greenfield", "Rosebery", "Primrose", "Heather",
    "Bluebell", "Ivy", "Larch", "Pine", "Hollybank", "Woodlands", "Parkside", "Lakeside",
    "Riverside", "Hillside", "Brookside", "Crofton", "Laurel", "Osborne", "Beaufort",
    "Devonshire", "Rutland", "Exmouth", "Ingleborough", "Marlowe", "Mersey", "Dee", "Wirral",
)

# suffix, weight, the abbreviations agencies use for it
STREET_SUFFIXES: tuple[tuple[str, float, tuple[str, ...]], ...] = (
    ("Road", 34, ("Rd", "Rd.")), ("Street", 20, ("St", "St.")), ("Avenue", 12, ("Ave", "Av")),
    ("Close", 8, ("Cl",)), ("Lane", 6, ("Ln",)), ("Drive", 6, ("Dr", "Drv")),
    ("Crescent", 4, ("Cres",)), ("Grove", 4, ("Gr", "Gro")), ("Way", 3, ("Way",)),
    ("Gardens", 2, ("Gdns",)), ("Place", 2, ("Pl",)), ("Terrace", 2, ("Terr", "Ter")),
    ("Walk", 1, ("Wlk",)), ("View", 1, ("Vw",)),
)

BLOCK_WORDS = ("Court", "House", "Heights", "Lodge", "Point", "Mews")
CARE_HOME_WORDS = ("Lodge Care Home", "House Nursing Home", "Court Care Home", "Manor Care Home")
HOSTEL_WORDS = ("House", "Lodge", "Foyer")
SHOPS = (
    "Tesco Express", "Co-op", "Spar", "Londis", "Premier Stores", "Greggs", "Iceland",
    "Home Bargains", "B&M", "Boots", "Farmfoods", "Aldi", "Lidl", "Post Office", "Chip Shop",
    "Off Licence", "Bookmakers", "Launderette", "Takeaway", "Barbers",
)
PUB_ADJ = ["Red", "White", "Black", "Royal", "Golden", "Old", "New", "Green", "Blue", "Kings"]
PUB_NOUN = ["Lion", "Hart", "Swan", "Oak", "Anchor", "Bull", "Ship", "Crown", "Horse", "Stag"]


def _parse_first(block: str) -> tuple[tuple[str, ...], np.ndarray, np.ndarray, np.ndarray]:
    names, peaks, weights, spreads = [], [], [], []
    for item in block.split():
        parts = item.split(":")
        names.append(parts[0])
        peaks.append(float(parts[1]))
        weights.append(float(parts[2]))
        spreads.append(float(parts[3]) if len(parts) > 3 else 12.0)
    return tuple(names), np.array(peaks), np.array(weights), np.array(spreads)


FEMALE_FIRST = _parse_first(_FEMALE)
MALE_FIRST = _parse_first(_MALE)


def first_name_probabilities(sex: int, year: int) -> np.ndarray:
    """P(first name | sex, birth year): each name's popularity curve around its peak year."""
    _, peaks, weights, spreads = MALE_FIRST if sex == 1 else FEMALE_FIRST
    p = weights * np.exp(-0.5 * ((year - peaks) / spreads) ** 2) + 1e-4 * weights
    return p / p.sum()


def surname_table() -> tuple[tuple[str, ...], np.ndarray]:
    """Surnames and their probabilities: the common list (~60%) and a place-like tail."""
    names, weights = [], []
    for item in SURNAMES.split():
        name, w = item.rsplit(":", 1)
        names.append(name)
        weights.append(float(w))
    common = np.array(weights) / sum(weights) * 0.62
    seen = set(names)
    tail = [p + s for p in _TAIL_PREFIX for s in _TAIL_SUFFIX if p + s not in seen]
    # Rank-frequency (Zipf) over the tail in a fixed, shuffled-by-hash order.
    tail.sort(key=lambda t: (sum(ord(c) * 31**i for i, c in enumerate(t)) % 9973, t))
    tail_w = 1.0 / np.arange(1, len(tail) + 1) ** 0.35
    tail_p = tail_w / tail_w.sum() * 0.38
    return tuple(names) + tuple(tail), np.concatenate([common, tail_p])
