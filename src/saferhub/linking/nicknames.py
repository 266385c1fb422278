"""Given names that UK records use for one another: nicknames, short forms and spellings.

Each line of the table is one group: a formal name, then the names people answer to or
that clerks write for it. A name can sit in several groups ("chris" is Christopher,
Christine and Christian; "sam" is Samuel and Samantha); two names match as nicknames
when they share a group. Names are folded as the store folds them (lower case, no
accents or apostrophes).
"""

from __future__ import annotations

import functools

# formal name: other names and spellings in the same group
_GROUPS = """
abigail: abby abbie abi gail
adam: ade
adrian: ade
agnes: aggie nessie nancy
albert: al albie bert bertie
alexander: alex alec alick alasdair alastair alistair sandy sasha xander lex
alexandra: alex alexa lexi lexie sandra sandy sasha ali ally
alfred: alf alfie fred freddie
alice: ali allie alison ally
alison: ali allie ally allison
amanda: mandy manda
amelia: millie amy mia
andrew: andy drew andi
angela: angie ange
anne: ann annie anna nan nancy hannah annette
anthony: tony ant anton antony
archibald: archie baldy
arthur: art artie
barbara: babs barb barbra
bartholomew: bart barty
benjamin: ben benny benji
bernard: bernie barney
beatrice: bea beattie trixie
bradley: brad
brenda: bren
bridget: biddy bridie bridgette
carl: karl
caroline: carol carolyn carrie caz lina
catherine: kate katie cath cathy kathy kath katherine kathryn katharine kay kit kitty cassie cat
charles: charlie chas chuck chaz chick
charlotte: charlie lottie lotte char
christian: chris kris christy
christina: chris chrissie tina kristina christine
christine: chris chrissie chrissy tina kristine christina
christopher: chris kit topher kris christy
clare: claire clara
claude: claud
clifford: cliff
colin: col
cornelius: neil con
craig: craigy
cynthia: cindy
daniel: dan danny
darren: daz
david: dave davy davey dai
deborah: debbie debra deb debs
denise: dee
dennis: den denny
derek: del derrick
diana: di diane dianne
dominic: dom
donald: don donny
dorothy: dot dotty dolly dora
douglas: doug dougie
edmund: ed eddie ted ned edmond
edward: ed eddie ted teddy ned ward
eleanor: ellie ella nell nellie nora elinor eleanore
elizabeth: liz lizzie lizzy beth betty bet bess bessie betsy libby eliza elsie lisa
ellen: nell nellie ella ellie helen
emily: em emmy
emma: em emmy
eric: rick
eugene: gene
evelyn: eve evie
florence: flo florrie flossie
frances: fran fanny frankie francine
francis: frank frankie fran
frederick: fred freddie freddy fritz rick
gabriel: gabe gab
gabrielle: gabby gabi
gareth: gaz gary
gary: gaz garry
geoffrey: geoff jeff jeffrey jeffery
george: georgie geordie
georgina: georgie gina
gerald: gerry jerry ged
gerard: gerry jerry ged
geraldine: gerry geri jerry
gillian: gill jill gilly jillian
gordon: gordy
graham: gray grahame
gregory: greg
harold: harry hal
harriet: hattie hatty
helen: nell nellie ellen elaine
henry: harry hal hank hen
herbert: herb bert bertie
hilary: hillary
howard: howie
hugh: hughie
ian: iain
isabel: izzy isobel isabelle isabella bella belle
isabella: izzy bella belle isabel
jacob: jake jakey jack
jacqueline: jackie jacqui jacky jac
james: jim jimmy jamie jimbo jem
jane: janey jenny jan
janet: jan jenny janette
janice: jan
jean: jeanie jeannie
jennifer: jen jenny jenn jenni
jeremy: jerry jez
jessica: jess jessie
joan: joanie
joanna: jo joanne joann
joanne: jo jojo joanna
john: jack johnny jon jonny jonnie
jonathan: jon jonny jonty
joseph: joe joey jo jos
josephine: jo josie jojo
joshua: josh
judith: judy jude
julia: julie jules
julian: jules
katherine: kate katie kath kathy kay kathryn catherine
kathleen: kath kathy kay katy
kelly: kel
kenneth: ken kenny
kimberley: kim kimberly
laura: laurie loz lori
lauren: loz laurie lauryn
lawrence: larry laurie lawrie laurence
leonard: len lenny leo
leslie: les lesley
lewis: lew louis lou
lindsay: lindsey linz
linda: lin lindy
louis: lou lewis louie
louise: lou lulu louisa
lucy: lucinda
malcolm: mal
margaret: maggie meg peggy madge marge margie maisie greta rita molly peg
maria: mary mia
marilyn: lyn
marjorie: marge margie
mark: marc marcus
martin: marty
mary: molly polly mae may mamie maria marie mo
matthew: matt matty mat
maureen: mo maura
maurice: mo morris
megan: meg meggie
melanie: mel
melissa: mel missy lissa
michael: mike mick micky mickey mikey mitch
michelle: shelley shelly chelle
mildred: millie
mohammed: mohammad muhammad mohamed mohamad muhammed mo
nancy: nan
natalie: nat tally natalia
nathan: nat nate
nathaniel: nat nate nathan
nicholas: nick nicky nico
nicola: nicky nikki nic nichola
norman: norm
oliver: ollie olly
olivia: liv livvy ollie
pamela: pam
patricia: pat patty patsy trish tricia trisha
patrick: pat paddy patsy
paul: paulie
pauline: paula
peter: pete
philip: phil phillip pip
rachel: rach rachael
raymond: ray
rebecca: becky becca bex
richard: rich richie rick ricky dick dickie
robert: rob robbie bob bobby bert
rodney: rod
roger: rog
ronald: ron ronnie
rosemary: rose rosie
rosalind: ros roz
ruth: ruthie
samantha: sam sammy sammie
samuel: sam sammy
sandra: sandy sandie
sarah: sara sally sadie
sean: shaun shawn shane
sharon: shaz shazza
shirley: shirl
sidney: sid sydney
simon: si
sophie: sophia soph
stanley: stan
stephanie: steph stephie
stephen: steve steven stevie steph
stuart: stu stewart
susan: sue susie suzy suzanne susannah
suzanne: sue susie suzy susan
terence: terry tel
teresa: terry tess tessa theresa tessie
theodore: theo ted teddy
thomas: tom tommy thom
timothy: tim timmy
tracey: tracy trace
valerie: val
victor: vic
victoria: vicky vicki vikki tori vic
vincent: vince vinny
walter: walt wally
wayne: wayno
wendy: wendi
wilfred: wilf fred
william: bill billy will willie willy liam
winifred: win winnie freda
yvonne: von
zachary: zach zack zac
"""


@functools.cache
def nickname_groups() -> dict[str, tuple[str, ...]]:
    """Each name in the table → the formal names of every group it belongs to."""
    groups: dict[str, set[str]] = {}
    for line in _GROUPS.strip().splitlines():
        formal, _, others = line.partition(":")
        formal = formal.strip()
        for name in (formal, *others.split()):
            groups.setdefault(name, set()).add(formal)
    return {name: tuple(sorted(g)) for name, g in groups.items()}


def nickname_pairs() -> int:
    """How many (name, other name) pairs the table says can be the same person."""
    members: dict[str, set[str]] = {}
    for name, formals in nickname_groups().items():
        for f in formals:
            members.setdefault(f, set()).add(name)
    pairs = {tuple(sorted((a, b))) for m in members.values() for a in m for b in m if a != b}
    return len(pairs)
