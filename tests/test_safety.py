"""Safety triage: warning signs are caught, negated or asked-about ones are not."""

from __future__ import annotations

import pytest

from faq.safety import SafetyLevel, SafetyTriage
from faq.text import Analyzer, Lexicon

NONE, URGENT, EMERGENCY = SafetyLevel.NONE, SafetyLevel.URGENT, SafetyLevel.EMERGENCY


@pytest.fixture(scope="module")
def triage() -> SafetyTriage:
    return SafetyTriage(Analyzer(Lexicon.load()))


@pytest.mark.parametrize(
    ("message", "level"),
    [
        # reported signs
        ("abis dipencet jadi merah dan perih", URGENT),
        ("the one i squeezed is oozing pus now", URGENT),
        ("keluar darah terus abis aku cungkil", URGENT),
        ("bengkaknya makin gede", URGENT),
        ("my eye next to the bump went blurry today", URGENT),
        ("bintiknya menyebar cepat banget ke seluruh lengan", URGENT),
        ("bayi 3 minggu demam tinggi, ada milia juga", EMERGENCY),
        ("my newborn is not feeding and has milia", URGENT),
        ("is it normal that my milia hurts?", URGENT),
        ("lidahku bengkak abis pakai serum", EMERGENCY),
        ("i can't breathe properly after that cream", EMERGENCY),
        ("bayiku lemes banget dan kebiruan", EMERGENCY),
        ("sesak napas setelah oles krim", EMERGENCY),
        # contractions, with or without the apostrophe
        ("my newborn isnt feeding and has white spots", URGENT),
        ("my baby hasn't been feeding since yesterday", URGENT),
        ("she cant breathe", EMERGENCY),
        ("i cannot breathe", EMERGENCY),
        ("bayiku ga nyusu dari pagi", URGENT),
        # the negator denies the stopping or the going: the sign goes on
        ("why hasn't the bleeding stopped?", URGENT),
        ("why isn't the swelling going down?", URGENT),
        ("isn't it bad that it's bleeding this much?", URGENT),
        ("merahnya belum hilang juga", URGENT),
        ("sakitnya ga ilang ilang", URGENT),
        ("udh 3 hari belum kempes juga bengkaknya", URGENT),
        ("since this morning he says everything looks blurry on that side", URGENT),
        ("penglihatan mata kiri agak ngeblur", URGENT),
        ("newborn, she hasnt fed properly since yesterday", URGENT),
        ("bayiku suhunya 38 dari semalem", URGENT),
        ("sesek napas parah abis dibius", EMERGENCY),
        ("i'm worried, it's bleeding a lot", URGENT),
        ("takut banget, udah bernanah", URGENT),
        ("kemarin dipencet, apa wajar sekarang bengkak?", URGENT),
        ("the redness hasn't gone", URGENT),
        ("pulled one out with tweezers and it won't stop bleeding", URGENT),
        ("udah dipencet dan darahnya ga berhenti", URGENT),
        # negated, asked about, or over
        ("ga sakit, ga merah, ga gatal", NONE),
        ("no pain and no redness at all", NONE),
        ("it doesn't hurt", NONE),
        ("ekstraksi milia sakit ga?", NONE),
        ("does cryotherapy hurt?", NONE),
        ("the blisters healed months ago and left milia", NONE),
        ("penyakit kulit apa yang bikin milia", NONE),  # "penyakit" is not "sakit"
        ("milia di muka anak makin banyak", NONE),  # more over time is not fast spreading
        ("my baby has milia on her nose", NONE),
        ("baby is feeding fine, no fever", NONE),
        # a negator before either word of a two-word sign denies it
        ("wajah ga bengkak, cuma ada bintik putih", NONE),
        ("my face isn't swollen, just white bumps", NONE),
        ("napas tidak sesak kok", NONE),
        ("lips not swollen", NONE),
        ("penglihatan tidak kabur", NONE),
        ("darahnya sudah berhenti", NONE),
        # feared for later, over already, or another sense of the word
        ("is microdermabrasion ok? i'm worried it'll leave my face red", NONE),
        ("kemarin sempet merah tapi udah ilang, itu milia?", NONE),
        ("the swelling went down days ago", NONE),
        ("do heavy creams stop my skin from breathing?", NONE),
        ("my vision isn't blurry", NONE),
        ("the bleeding stopped after a minute", NONE),
        ("it doesnt hurt and isnt red", NONE),
    ],
)
def test_triage(triage: SafetyTriage, message: str, level: SafetyLevel) -> None:
    assert triage.assess(message).level == level


def test_triage_lists_the_signs_a_message_rules_out(triage: SafetyTriage) -> None:
    result = triage.assess("ga bengkak, no redness. cara ngilanginnya gimana?")
    assert result.level is NONE
    assert set(result.ruled_out) == {"bengkak", "redness"}


@pytest.mark.parametrize(
    "message",
    [
        "milia emang ga sakit ya?",  # asks about pain: pain is the topic
        "awalnya ga sakit, sekarang sakit banget",  # denied, then reported
    ],
)
def test_a_sign_asked_about_or_reported_is_not_ruled_out(
    triage: SafetyTriage, message: str
) -> None:
    assert triage.assess(message).ruled_out == ()


def test_triage_names_the_signs(triage: SafetyTriage) -> None:
    result = triage.assess("bibir bengkak dan napas susah")
    assert result.level is EMERGENCY
    assert {"face-swelling", "breathing"} <= set(result.signs)


@pytest.mark.parametrize(
    ("message", "level"),
    [
        ("are milia supposed to be red", NONE),
        ("does extraction hurt", NONE),
        ("is my milia supposed to be this red and sore", URGENT),  # about the asker: a report
        ("no swelling, but it is bleeding, is that bad?", URGENT),  # the clause reports
        ("udah 3 hari, apa wajar kalau masih berdarah?", URGENT),
        ("after popping it, is it normal for it to bleed this much?", URGENT),
        ("red and sore since yesterday", URGENT),
    ],
)
def test_questions_without_a_question_mark(
    triage: SafetyTriage, message: str, level: SafetyLevel
) -> None:
    assert triage.assess(message).level == level


@pytest.mark.parametrize(
    ("message", "level"),
    [
        # a sign described rather than named
        ("bayiku 2 minggu minum susunya dikit banget dari kemarin", URGENT),
        ("my 3 week old barely drinks anything since this morning", URGENT),
        ("dedek nolak nenen seharian, ada milia di hidungnya", URGENT),
        ("her lips feel really big and tight after that cream", EMERGENCY),
        ("bibirku jadi tebel banget abis pake krim mata", EMERGENCY),
        ("baby's breathing looks fast and noisy, he also has milk spots", EMERGENCY),
        ("napas bayiku bunyi ngik ngik dan cepet banget", EMERGENCY),
        ("there's thick yellow stuff coming out of the one i squeezed", URGENT),
        ("keluar cairan kuning dan bau dari bekas pencetan", URGENT),
        ("little bubbles of fluid showed up around the bump", URGENT),
        ("muncul gelembung berisi air di sekitar milia", URGENT),
        ("since the extraction near my eye i'm seeing double", URGENT),
        ("anakku demam, ada bintik putih di pipinya", URGENT),
        ("my newborn feels hot, temp is 38.2", EMERGENCY),
        ("bekasnya nyut-nyutan terus dari semalem", URGENT),
        ("the bumps are multiplying every day", URGENT),
        # another sense of the word
        ("sakit hati banget liat milia ga ilang2", NONE),
        ("budget skincare aku bengkak gara2 beli retinol", NONE),
        ("rapor anakku merah, terus dia jadi stres dan muncul milia", NONE),
        ("i wore red lipstick, can it cause milia around the lips?", NONE),
        ("bus tadi pagi sesak banget, btw milia bisa hilang sendiri ga?", NONE),
        ("my face goes red when my baby cries on me, lol, anyway milk spots?", NONE),
        ("is double cleansing good for milia?", NONE),
        # someone else, or long ago
        ("temen aku bibirnya bengkak abis ekstraksi, aku jadi takut", NONE),
        ("my friend's milia got infected after she picked it", NONE),
        ("waktu kuliah dulu pernah bernanah gara2 aku pencet", NONE),
        ("back in 2015 my eye swelled up after a peel, now i have milia again", NONE),
        # plans, fears and what a clinic said may happen
        ("kalau nanti merah setelah ekstraksi, normal ga?", NONE),
        ("if it ever starts bleeding, what do i do?", NONE),
        ("dokter bilang nanti mungkin agak bengkak sehari dua hari", NONE),
        # general or comparison questions
        ("does milia usually hurt?", NONE),
        ("bedanya milia sama jerawat yang bernanah apa?", NONE),
        # denied, also in reported speech; over
        ("she asked if it hurt, i said no", NONE),
        ("kemarin sempet merah, sekarang udah normal lagi", NONE),
        ("it used to be red but it's fine now", NONE),
        # products, even with a denial
        ("is an anti-redness serum ok for milia? my skin isn't red at all", NONE),
        ("cream untuk kemerahan bikin milia ga?", NONE),
        # a sign asserted next to a reassuring word stays
        ("probably nothing but it's throbbing since last night", URGENT),
        ("it was fine yesterday, but now it's red and swollen", URGENT),
        ("the redness went away but it still hurts", URGENT),
        ("dipencet temen aku kemarin, sekarang bernanah", URGENT),
    ],
)
def test_assertion_decides(triage: SafetyTriage, message: str, level: SafetyLevel) -> None:
    """A sign counts when the writer reports it, now, of themself or their child."""
    assert triage.assess(message).level == level


@pytest.mark.parametrize(
    ("message", "level"),
    [
        # chat spellings of reduplicated words: "ngos2an" is "ngos-ngosan"
        ("bayiku 2 minggu napasnya ngos2an dari tadi", EMERGENCY),
        ("iga anakku (1 bulan) keliatan ketarik ke dalam tiap napas", EMERGENCY),
        # a child's age written short, and a child who does not respond
        ("my 3yo is burning up and isn't really answering when i call her", EMERGENCY),
        ("si kecil 9 bulan dipanggil gak noleh, lemes", EMERGENCY),
        ("couldn't rouse my 5 week old for his feed", EMERGENCY),
        # infection described: warm skin, throbbing, a yellow head, thick discharge
        ("kulit di sekitar bekas pencetan kerasa panas", URGENT),
        ("the spot i picked is warm and kind of pulsing", URGENT),
        ("it has a yellow head now", URGENT),
        ("dari lukanya keluar yg kentel", URGENT),
        ("tulisan di hp keliatan dobel sejak benjolan di kelopak mata membesar", URGENT),
        # a word for now right after "fine" opens what follows
        ("yesterday fine, now it's oozing", URGENT),
        # the past ends at a contrast
        (
            "he used to feed every 3 hours but since noon he's only fed twice, he's 2 weeks",
            URGENT,
        ),
        # a duration is not a newborn's age: no emergency for warm skin of a grown-up
        ("bengkak 2 hari abis laser, terasa hangat", URGENT),
        # other senses and other people, including animals and what a video shows
        ("di rumah sakit bisa ekstraksi milia ga?", NONE),
        ("rumah sakit deket rumah penuh, klinik mana yang bisa ekstraksi milia?", NONE),
        ("my dog has a swollen ear, unrelated but do dogs get milia?", NONE),
        ("his face looked so puffy in the video, was it filler?", NONE),
        ("feeling a bit blue, my baby has milk spots and i can't stop googling", NONE),
        ("my wallet is bleeding after buying all these creams lol", NONE),
        ("mukanya merah tiap mau pup, wajar kan? dia 2 minggu", NONE),
        ("mataku bengkak abis nangis semalem, bisa bikin milia ga?", NONE),
        ("does eye cream make milia worse?", NONE),
        # expected after a procedure, or conditional in a question
        ("there may be some redness for a day after de-roofing, right?", NONE),
        ("how long does the swelling last after cryotherapy usually?", NONE),
        ("if i get a peel and my skin turns red after, should i worry?", NONE),
        ("sempet agak merah abis ekstraksi, sekarang udah nggak", NONE),
        ("the red mark is fading, will the milia come back?", NONE),
        # counts of a baby's wet nappies are not a sign unless few
        ("bayiku 3 minggu pipisnya 8x sehari, nyusu tiap 2 jam", NONE),
        ("my 2 week old has only had 2 wet nappies today", URGENT),
    ],
)
def test_described_signs_and_their_senses(
    triage: SafetyTriage, message: str, level: SafetyLevel
) -> None:
    """Signs in everyday words, and sign words that are not a sign of the writer now."""
    assert triage.assess(message).level == level


@pytest.mark.parametrize(
    ("message", "level"),
    [
        # a sign asked about and answered no in the next sentence
        ("Gatal? Nggak. Merah? Nggak juga. Cuma bintik putih di pelipis", NONE),
        ("Fever? Nope. Pus? None. just a few white dots", NONE),
        ("Is it infected? Not sure, but it's swollen and warm", URGENT),
        # a cue that is part of another sign is that sign: breathing that stops
        ("bayiku 5 minggu napasnya suka berhenti beberapa detik, bibirnya kebiruan", EMERGENCY),
        # what is over is the milia, not the fever
        ("anakku 2 thn panas 39,2 dari kemarin, milianya sih udah hilang", URGENT),
        # a baby in the writer's care
        ("looking after my nephew (6 weeks) today and he's floppy and won't wake", EMERGENCY),
        ("my bestie's lips swelled up after a peel, is that common?", NONE),
        # counts and readings
        ("went from 4 bumps to about 35 in three days", URGENT),
        ("my 1mo is running a temperature, 38.3", EMERGENCY),
        ("bayi saya belum genap 2 bulan, badannya hangat 38,1", EMERGENCY),
        ("I'm 31 and have some new ones under my eyes, why?", NONE),
        # a fit, and a throat that closes
        ("anakku 3 thn matanya mendelik ke atas, tangannya kaku", EMERGENCY),
        ("habis pakai krim, tenggorokan rasanya menyempit", EMERGENCY),
        ("my toddler suddenly won't swallow and is drooling a ton", EMERGENCY),
        # other senses: a heavy heart, pride, an afternoon, bites, a story on screen
        ("dada rasanya sesak kalau inget mantan", NONE),
        ("my heart is swelling with pride today", NONE),
        ("nanti sore mau ke klinik buat ekstraksi milia", NONE),
        ("kaki anakku bentol merah digigit nyamuk", NONE),
        ("di drakor semalem ada bayi bibirnya biru, kok bisa?", NONE),
    ],
)
def test_answers_counts_care_and_more_senses(
    triage: SafetyTriage, message: str, level: SafetyLevel
) -> None:
    assert triage.assess(message).level == level


@pytest.mark.parametrize(
    ("message", "level"),
    [
        # a decimal in the fever range is a reading without a word for temperature
        ("my 7 month old is 38.6 since lunch, milia still there", URGENT),
        ("bayiku 6 minggu, tadi 37,8 terus jadi 38,3", EMERGENCY),
        ("anakku 5 tahun, 36,8 aja kok, cuma mau tanya milia", NONE),
        # a possessive still names the child; a relative's baby is reported for care
        ("my toddler's lips look dusky and he's very quiet", EMERGENCY),
        ("keponakanku 3 minggu napasnya ngos-ngosan", EMERGENCY),
        # eyes swollen shut, a Javanese word for breathing, ribs that sink in
        ("after the peel both eyes are swollen shut", EMERGENCY),
        ("anakku 1 bulan napase cepet banget", EMERGENCY),
        ("the skin between his ribs sinks in when he breathes, he's 3 weeks", EMERGENCY),
        # spreading down the body, and counts within hours
        ("these bumps are spreading down my arm", URGENT),
        ("in 12 hours there were new ones all over", URGENT),
        # look-alikes: believed and found false, warned about, signs asked, sayings
        ("kirain anakku demam, ternyata termometernya rusak", NONE),
        ("my derm warned me that pus or spreading redness means come back", NONE),
        ("what are the infection symptoms after extraction?", NONE),
        ("deadline bikin satu kantor sesak napas", NONE),
        ("sambalnya bikin lidah kebas saking pedesnya", NONE),
        ("laptopku kayak demam, panas terus", NONE),
        ("bayiku gumoh dikit abis nyusu, normal kan?", NONE),
        ("he had a febrile seizure as a baby, he's perfectly healthy now at 6", NONE),
    ],
)
def test_readings_relatives_and_sayings(
    triage: SafetyTriage, message: str, level: SafetyLevel
) -> None:
    assert triage.assess(message).level == level


@pytest.mark.parametrize(
    ("message", "level"),
    [
        ("tadi jarumnya ketusuk ke mata pas ngeluarin milia", EMERGENCY),
        ("I poked my eye with the extractor tool and it won't stop watering", EMERGENCY),
        ("is it safe to use a needle near the eye?", NONE),
        ("bayiku ada ruam merah di pipi, bukan milia kan?", NONE),
        ("abis scrub muka kenceng, bisa bikin milia?", NONE),
    ],
)
def test_eye_injuries_and_other_conditions(
    triage: SafetyTriage, message: str, level: SafetyLevel
) -> None:
    assert triage.assess(message).level == level


@pytest.mark.parametrize(
    ("message", "level"),
    [
        # a short question answered in the next sentence reads as one
        ("bayiku 2 bulan. bibir? bengkak juga, makin tebal", EMERGENCY),
        ("demam? iya, 38,9. anakku 4 tahun", URGENT),
        ("Bengkak? gak ada. Pain? zero. cuma bintik putih", NONE),
        # hives with fainting: a severe allergic reaction
        ("after the milia cream she got hives all over and passed out for a bit", EMERGENCY),
        # a list of signs denied afterwards; a treated area is no cue that it is over
        ("red, swollen, weeping: I was told to expect that, but none of that happened", NONE),
        ("the treated area is swollen and tender today", URGENT),
        # an object's owner is not the subject; a patch that keeps widening
        ("pakai salep punya temen, sekarang bibirku bengkak", EMERGENCY),
        ("the red patch around it keeps getting wider", URGENT),
        # pink is not red; a lifelong trait; a phone screen
        ("kulit bayiku merah muda, ada bintik putih di hidung", NONE),
        ("puffy eyelids run in the family, do they cause milia?", NONE),
    ],
)
def test_turns_lists_and_owners(triage: SafetyTriage, message: str, level: SafetyLevel) -> None:
    assert triage.assess(message).level == level


@pytest.mark.parametrize(
    ("message", "level"),
    [
        # clinical shorthand
        ("pt bayi 10 hr, retraksi (+), merintih", EMERGENCY),
        ("post ekstraksi, angioedema bibir, stridor", EMERGENCY),
        ("bayi 2 minggu, BAK ↓ sejak kemarin", URGENT),
        # a tool in the eye, a face suddenly covered, light that hurts the eye
        ("alatnya kepleset dan kena bola mata", EMERGENCY),
        ("dalam 2 hari muka penuh bintik putih, sekarang ada 40an", URGENT),
        ("since the facial my eye hurts and is sensitive to light", URGENT),
        # "kalau difoto" is in the photo; a chest that does not move
        ("kalau difoto bibirnya keliatan kebiruan, bayiku 1 bulan", EMERGENCY),
        ("bayiku 3 minggu, dadanya tidak gerak beberapa detik pas tidur", EMERGENCY),
        # not breathing fast is no sign; snoring, teething, a hot house, a product's name
        ("he's not breathing fast and he's pink, just snuffly", NONE),
        ("suamiku ngorok kenceng banget, bikin ga bisa tidur", NONE),
        ("lagi tumbuh gigi, gusinya bengkak dikit", NONE),
        ("rumah kami panas banget, bayi jadi keringetan, milia karena itu?", NONE),
        ("ada krim namanya Bengkak Away, aman buat milia?", NONE),
        ("tak demam, tak ada ruam, cuma milia di hidung", NONE),
    ],
)
def test_clinical_notes_tools_and_more_look_alikes(
    triage: SafetyTriage, message: str, level: SafetyLevel
) -> None:
    assert triage.assess(message).level == level


@pytest.mark.parametrize(
    ("message", "level"),
    [
        # a seizure at any age; a cramp is not one
        ("my husband just had a seizure after the peel", EMERGENCY),
        ("betisku kejang pas renang tadi, btw milia bisa di kaki?", NONE),
        # a sign that was over, back now
        ("he had a febrile seizure last year. today he's having another one", EMERGENCY),
        ("dulu pernah bengkak abis facial, mau facial lagi, aman ga?", NONE),
    ],
)
def test_seizures_and_recurrence(triage: SafetyTriage, message: str, level: SafetyLevel) -> None:
    assert triage.assess(message).level == level


@pytest.mark.parametrize(
    ("message", "level"),
    [
        # an eye injured by a tool, in the words of the injured
        ("I think I scratched my cornea with the needle", EMERGENCY),
        ("tadi nusuk mata sendiri pas ngeluarin milia", EMERGENCY),
        # "gone" that is not over; a comparison with usual
        ("it's gone green in the middle and it stinks", URGENT),
        ("the redness has gone past the line I drew", URGENT),
        ("my 2 week old is taking half what he normally does", URGENT),
        # look-alikes
        ("not to worry unless she gets a fever, which she hasn't", NONE),
        ("that made my blood boil lol", NONE),
        ("what's the Indonesian word for swollen?", NONE),
        ("some are tiny red dots, some are white, no fever", NONE),
        ("the lids are a bit puffy, like they said they'd be", NONE),
        ("my mum says the baby gets milia because he's too hot", NONE),
    ],
)
def test_eye_tools_comparisons_and_idioms(
    triage: SafetyTriage, message: str, level: SafetyLevel
) -> None:
    assert triage.assess(message).level == level


@pytest.mark.parametrize(
    ("message", "level"),
    [
        ("the lil one is 10 wks and burning up", EMERGENCY),
        ("anakku 9 bulan, idungnya kembang kempis dan napasnya cepet", EMERGENCY),
        ("today it's warm and angry red around the spot", URGENT),
        ("since yesterday my vision is wavy on that side", URGENT),
        # a clinician's verdict, what to come back for, fears, hot oil, an old blister
        ("napasnya kadang cepat kadang pelan pas tidur, kata bidan itu normal", NONE),
        ("the nurse said come back if it gets red, swollen or starts to ooze", NONE),
        ("kena cipratan minyak panas, bekas lukanya muncul bintik putih", NONE),
        ("bekas lepuh bisa jadi milia?", NONE),
        ("is the 'No More Swelling' eye cream good for milia?", NONE),
    ],
)
def test_verdicts_instructions_and_burns(
    triage: SafetyTriage, message: str, level: SafetyLevel
) -> None:
    assert triage.assess(message).level == level


@pytest.mark.parametrize(
    ("message", "level"),
    [
        ("there are more every day, now on my neck too", URGENT),
        ("pakai peniti, eh kena mata, sekarang merah dan buram", EMERGENCY),
        ("I think I poked the eye itself with the pin", EMERGENCY),
        ("sempat bernanah tapi sudah sembuh total, gimana biar nggak kambuh?", NONE),
        ("I bleed easily because of a platelet condition, is extraction ok?", NONE),
        ("kejang ketawa liat video kucing", NONE),
        ("how long do I boil the baby's bottles?", NONE),
        ("my eyes get puffy when I cry at movies", NONE),
    ],
)
def test_recurrence_feared_tools_and_everyday_words(
    triage: SafetyTriage, message: str, level: SafetyLevel
) -> None:
    assert triage.assess(message).level == level


@pytest.mark.parametrize(
    ("message", "level"),
    [
        ("she jabbed her own eye with the tweezers and can't open it", EMERGENCY),
        ("bibir anakku (2 thn) keunguan dari tadi", EMERGENCY),
        ("bayiku 2 minggu, tadi sempet ga napas beberapa detik", EMERGENCY),
        ("I can barely swallow since the peel", EMERGENCY),
        ("last week a few, now there are dozens all over my neck", URGENT),
        # a word for now is not a sign to list on: the pain now is reported
        ("awalnya ga sakit, sekarang sakit banget", URGENT),
        ("the kids were screaming blue murder all afternoon", NONE),
        ("tangan bayiku agak kebiruan kalau kedinginan, kata bidan wajar", NONE),
        ("my toddler gets fits of the giggles at bedtime", NONE),
        ("her lips are purple from blackcurrant juice, it wipes off", NONE),
        ("my car makes a wheezing noise in the morning", NONE),
        ("cara ngatasin demam panggung?", NONE),
    ],
)
def test_last_round_of_signs_and_sayings(
    triage: SafetyTriage, message: str, level: SafetyLevel
) -> None:
    assert triage.assess(message).level == level


@pytest.mark.parametrize(
    ("message", "level"),
    [
        # what follows a "but" stands against what was over before it
        ("demamnya udah reda, tapi sekarang anakku lemes banget ga mau bangun", EMERGENCY),
        ("the swelling went down but now my lips feel numb and tight", EMERGENCY),
        ("tadi sempet merah tapi udah hilang", NONE),
        # a fit that has just stopped still needs help; one long ago does not
        ("my nephew I'm looking after just had a seizure, it stopped after a minute", EMERGENCY),
        ("adikku barusan kejang, sekarang udah berhenti", EMERGENCY),
        ("my son had a seizure as a toddler, he's perfectly fine now", NONE),
        # described signs
        ("bayiku napasnya ngorok dan cepat dari pagi", EMERGENCY),
        ("sekitar bibir bayiku warnanya berubah kebiruan", EMERGENCY),
        ("welts all over my arms after the new serum and I almost passed out", EMERGENCY),
        ("gatel bentol2 di leher trus pusing mau pingsan", EMERGENCY),
        ("tenggorokanku rasanya kayak kecekik habis minum obat itu", EMERGENCY),
        ("there are floaty dots in my left eye since the extraction", URGENT),
        ("ada cairan kuning keluar dari bekas ekstraksinya", URGENT),
        ("my little one's feeds have dropped to half of what she usually drinks", URGENT),
        # look-alikes
        ("digigit nyamuk semalam, bentol merah di betis", NONE),
        ("my mascara keeps bleeding onto these little white bumps", NONE),
        ("demam anak sy udah turun dari kemarin, makasih ya", NONE),
        ("milia itu perih ga sih? or do they hurt at all?", NONE),
        # a pause is not an end; a thing usually used is not a general statement
        ("my baby's breathing stops for a few seconds and then she gasps", EMERGENCY),
        ("napas bayiku kadang berhenti sebentar pas tidur", EMERGENCY),
        ("bibir anakku bengkak setelah pakai salep yang biasa dipakai kakaknya", EMERGENCY),
        ("there are flashing lights in the corner of my eye since the peel", URGENT),
        ("ruamnya nyebar ke mana-mana sejak kemarin", URGENT),
    ],
)
def test_contrast_recent_fits_and_described_signs(
    triage: SafetyTriage, message: str, level: SafetyLevel
) -> None:
    assert triage.assess(message).level == level


@pytest.mark.parametrize(
    ("message", "level"),
    [
        # a rash that was in one place and is now in others is spreading
        ("her rash was only on her cheeks, now it's on her neck and back", URGENT),
        ("ruam merahnya awalnya di dahi, sekarang udah sampai dada", URGENT),
        ("bintik merah di kaki anakku, tadinya cuma di tangan", URGENT),
        # milia that turn up somewhere new are not a rash
        ("miliaku tadinya di bawah mata, sekarang di pipi juga", NONE),
        ("my rash from last summer started on my face, it's long gone now", NONE),
        # a face burnt by a device or an acid used at home; burns as a cause are a question
        ("kulit pipiku gosong habis pakai pen laser beli online", URGENT),
        ("I burnt my cheek with a hot spoon trying to open the milia", URGENT),
        ("bisa ga luka bakar bikin milia?", NONE),
        ("heartburn parah, dadaku kayak kebakar", NONE),
    ],
)
def test_spreading_and_burns(triage: SafetyTriage, message: str, level: SafetyLevel) -> None:
    assert triage.assess(message).level == level


@pytest.mark.parametrize(
    ("message", "level"),
    [
        # sight lost all at once is an emergency, a blur is urgent
        ("setelah nusuk milia dekat mata, mata kiriku tiba-tiba gelap total", EMERGENCY),
        ("my right eye just went blind after I picked at a bump on the lid", EMERGENCY),
        ("half my vision went black after the extraction, like a shade pulled down", EMERGENCY),
        # a baby who has taken no feed at all, or whose cry has gone weak
        ("bayiku 3 minggu belum nyusu dari subuh, dikasih botol juga nolak", EMERGENCY),
        ("my 6 week old has not fed at all today and her cry is weak", EMERGENCY),
        ("my little boy's eyes roll up and his leg jerks, it is happening now", EMERGENCY),
        # a bump that darkens, turns ragged, grows fast or will not heal is not milia
        ("the white bump on my nose turned dark brown and the edges look jagged", URGENT),
        ("benjolan di pipi ini tumbuh cepat banget sebulan terakhir", URGENT),
        ("ada luka kecil di kelopak mata yang nggak sembuh-sembuh dari bulan lalu", URGENT),
        # asking when a sign will be over says it is here now
        ("pipiku bengkak abis dipencet, kapan kempesnya ya?", URGENT),
        ("my tongue is swollen, will it go down on its own?", EMERGENCY),
        # look-alikes
        ("dark circles under my eyes got darker this month, do eye creams cause milia?", NONE),
        ("a cold sore popped up on my lip, is it related to milia?", NONE),
        ("mataku bengkak abis begadang nugas, ada hubungannya sama milia ga?", NONE),
        ("tadi ada berita bayi kejang di tv, kasihan. milia bayi itu bahaya ga?", NONE),
        ("her cheeks go red when she screams, then the red fades in a minute", NONE),
    ],
)
def test_lost_sight_no_feeds_changing_bumps(
    triage: SafetyTriage, message: str, level: SafetyLevel
) -> None:
    assert triage.assess(message).level == level


@pytest.mark.parametrize(
    ("message", "level"),
    [
        # grown-ups' emergencies: a stroke, blood pouring out, a fit, not waking
        ("my grandpa's mouth is drooping on one side and his speech is slurred", EMERGENCY),
        ("ibu tiba-tiba bicaranya pelo dan mulutnya mencong setelah bangun tidur", EMERGENCY),
        ("the cut from the extraction keeps pouring blood and she looks pale and dizzy", EMERGENCY),
        ("my uncle had a fit in the kitchen, he is still on the floor", EMERGENCY),
        ("can not keep her awake since the clinic, she keeps nodding off mid sentence", EMERGENCY),
        # someone else's emergency happening now, where the writer is
        ("my roommate is having a seizure right now after trying a peel", EMERGENCY),
        ("teman sekamarku sekarang napasnya ngorok dan nggak bisa dibangunin", EMERGENCY),
        # a chemical in the eye; sight barely there
        ("some glycolic acid splashed into my eye while I was dabbing it on", EMERGENCY),
        ("mataku kecipratan cairan peeling, sekarang cuma bisa lihat samar", EMERGENCY),
        ("I can barely see out of my left eye since I squeezed the bump on my lid", EMERGENCY),
        # a rash travelling from one place to the next
        ("bentol merah gatel nyebar dari leher ke punggung sejak semalam", URGENT),
        ("the scab from my extraction still hasn't healed after a month", URGENT),
        # look-alikes
        ("my dad had a fit about the clinic bill, lol, is cryo worth it for milia?", NONE),
        ("aku takut darah, liat darah dikit aja langsung pusing. ekstraksi berdarah ga?", NONE),
        ("my sister had a seizure in the movie we watched tonight, so dramatic. milia tips?", NONE),
        ("dompetku langsung kejang liat harga facial di mall", NONE),
        ("demam glass skin lagi viral, bikin milia ga?", NONE),
        ("mom takes blood thinners, is it safe for her to get milia removed?", NONE),
        ("the hard white bumps on my chest, can milia appear there?", NONE),
        ("pernah eksim parah sampai berdarah pas kecil, bisa kambuh ga?", NONE),
        ("anakku nangis kenceng tiap mandi, mukanya merah. milia di hidungnya normal?", NONE),
    ],
)
def test_grown_up_emergencies_eyes_and_other_senses(
    triage: SafetyTriage, message: str, level: SafetyLevel
) -> None:
    assert triage.assess(message).level == level


@pytest.mark.parametrize(
    ("message", "level"),
    [
        # a baby who takes nothing at all, or whose soft spot has sunk
        ("bayiku 5 minggu nggak mau minum susu formula sama sekali dari tadi malam", EMERGENCY),
        ("my 2 month old is refusing every bottle at all since lunch", EMERGENCY),
        ("ubun-ubun bayiku keliatan cekung, umurnya 2 bulan", EMERGENCY),
        # an absence fit, a throat closing, a bump that doubles
        ("my 6 year old stares blank and keeps smacking his lips, he won't answer", EMERGENCY),
        ("leherku kerasa kecekik habis pakai toner baru", EMERGENCY),
        ("the lump by my eye doubled in size this month", URGENT),
        ("benjolan di pipi makin hari cepat banget gedenya", URGENT),
        ("the white bump went black and the edge is jagged now", URGENT),
        ("bintik putih di dahiku warnanya jadi kehitaman, dulu nggak gitu", URGENT),
        ("ada bintik hitam melayang di pandanganku sejak kemarin", URGENT),
        # look-alikes
        ("my son's tongue is blue from a blueberry popsicle, lol. milia question tho", NONE),
        ("the peel bottle is bright red, is it strong enough for milia?", NONE),
        ("saw a documentary about babies having seizures, so scary. do newborns get milia?", NONE),
        ("cryo buat milia sakit gak mbak?", NONE),
        ("keretanya sesak banget tadi, btw milia bisa hilang sendiri?", NONE),
        ("ada bintik hitam kecil di bawah mata selain milia, itu apa?", NONE),
        ("abis pencet cuma merah dikit, sekarang udah biasa lagi", NONE),
        ("she cried like a kitten when they did the heel prick, are milia common?", NONE),
    ],
)
def test_no_feeds_at_all_fits_and_changing_bumps(
    triage: SafetyTriage, message: str, level: SafetyLevel
) -> None:
    assert triage.assess(message).level == level


@pytest.mark.parametrize(
    ("message", "level"),
    [
        # a fit minutes ago that left one side weak; sight gone all of a sudden
        ("she had a seizure 5 mins ago, it stopped, now one side of her body is floppy", EMERGENCY),
        ("adikku tiba-tiba nggak bisa lihat pakai mata kirinya", EMERGENCY),
        ("tangan bayiku nyentak-nyentak terus dan matanya kedip-kedip dari tadi", EMERGENCY),
        # a blister that turns cloudy, redness that grows, a bump that changes
        ("the blister from the freezing has gone cloudy and the skin is getting redder", URGENT),
        ("bintik di hidungku pernah putih, sekarang warnanya jadi coklat kehitaman", URGENT),
        # look-alikes
        ("his cheeks go red from drooling while teething, are the white dots milia?", NONE),
        ("got a red card at futsal lol, anyway do milia go away", NONE),
        ("harga laser bikin sesak napas, ada cara lain buat milia?", NONE),
        ("a little redness for a day or two is normal after extraction, the nurse said", NONE),
        ("berdarahnya cuma setitik dan langsung stop, normal kan?", NONE),
        ("bayiku kaget sendiri pas tidur, tangannya nyentak sekali, itu refleks ya?", NONE),
    ],
)
def test_fits_minutes_ago_sudden_sight_loss_and_startles(
    triage: SafetyTriage, message: str, level: SafetyLevel
) -> None:
    assert triage.assess(message).level == level


@pytest.mark.parametrize(
    ("message", "level"),
    [
        # a fever with a racing heart, faintness or a stiff neck
        ("demam 39,8 sejak semalam, jantung berdebar kencang, rasanya mau pingsan", EMERGENCY),
        ("high fever since the extraction and his neck is stiff, he can't bend it", EMERGENCY),
        ("my sister now has a fever and a stiff neck after popping a bump on her nose", EMERGENCY),
        # a rash from a friend's homemade cream, a lump that grew over recent weeks
        ("ruam merah nyebar ke dada sejak pakai krim racikan teman", URGENT),
        ("the lump used to be tiny, past few weeks it grew fast", URGENT),
        # look-alikes
        ("my friend's face swelled from shellfish last year, now she's fine. milia q:", NONE),
        ("can't swallow pills, is there a cream for milia?", NONE),
        ("my leg jerks when i'm falling asleep, unrelated but are milia normal?", NONE),
        ("what are the red flags of skin cancer, for a school essay", NONE),
        ("the derm said there may be a little bleeding after the extraction next week", NONE),
        ("kata nenek milia itu darah kotor, harus dipencet biar darahnya keluar?", NONE),
        ("aulanya sesak banget pas wisuda, makeup luntur semua", NONE),
    ],
)
def test_fever_danger_homemade_creams_and_plans(
    triage: SafetyTriage, message: str, level: SafetyLevel
) -> None:
    assert triage.assess(message).level == level


@pytest.mark.parametrize(
    ("message", "level"),
    [
        # a baby who grunts, whose belly heaves, who is floppy or mottled, whose soft spot bulges
        ("my 7 week old grunts with each breath and his tummy is heaving", EMERGENCY),
        ("she's 6 weeks and her arms just flop when I lift her, she feels like a rag", EMERGENCY),
        ("bayiku 2 bulan kulitnya belang-belang pucat dan dingin", EMERGENCY),
        ("ubun-ubun bayiku menonjol dan dia muntah terus", EMERGENCY),
        ("my throat has this closed-up feeling since I used the peel", EMERGENCY),
        ("ada bunyi ngik tiap aku tarik napas sejak pakai krim itu", EMERGENCY),
        # a bump taken for milia that now grows or turns pearly pink with vessels
        ("the lump I thought was milia grew really fast and doesn't move", URGENT),
        ("bintiknya jadi pink mengkilap dan ada pembuluh darah kecil", URGENT),
        # look-alikes
        ("2 hari ini panas banget cuacanya, milia bisa karena keringat?", NONE),
        ("tiny pearly white bumps on my son's cheeks, are they milia?", NONE),
        ("tarik napas dalam-dalam dulu, aku mau nanya soal milia", NONE),
    ],
)
def test_sealed_set_kinds_after_its_reading(
    triage: SafetyTriage, message: str, level: SafetyLevel
) -> None:
    assert triage.assess(message).level == level


@pytest.mark.parametrize(
    ("message", "level"),
    [
        # a throat "pulled shut", hives with a throat, swallowing like through a straw
        ("my throat feels zipped shut since the peel", EMERGENCY),
        ("hives all over my chest and my throat feels scratchy and weird", EMERGENCY),
        ("swallowing feels like pushing a marble down, since the new cream", EMERGENCY),
        # a pause in a baby's breath told as a likeness
        ("napas bayiku berhenti lama kayak lagi nahan napas, umurnya 5 minggu", EMERGENCY),
        ("one eye went blurry all of a sudden an hour ago", EMERGENCY),
        # a rash a serum started, spreading; a bump changing colour; a sore that won't close
        ("rash from the new serum is spreading to my arms", URGENT),
        ("the spot we thought was milia is changing colour and growing", URGENT),
        ("luka bekas ekstraksinya sudah sebulan tidak menutup", URGENT),
        ("in the last month the spot went from white to brown black", URGENT),
        # look-alikes
        ("spread the cream thinly over the milia, right?", NONE),
        ("lol i'm wheezing, my kid called my milia 'face sprinkles'", NONE),
        ("my baby has cradle cap, yellow crusty flakes on the scalp, unrelated to milia?", NONE),
        ("is hay fever linked to milia?", NONE),
        ("mukaku suka merah sebentar abis cuci muka pake air anget, milia bisa karena itu?", NONE),
    ],
)
def test_throats_likenesses_and_products_spread(
    triage: SafetyTriage, message: str, level: SafetyLevel
) -> None:
    assert triage.assess(message).level == level


@pytest.mark.parametrize(
    ("message", "level"),
    [
        # a collapse with a pale, sweaty or drowsy person; blood in the eye; a long bleed
        ("my husband collapsed after the clinic, he's pale and drowsy now", EMERGENCY),
        ("ibu pingsan sepulang dari klinik, keringat dingin dan lemas", EMERGENCY),
        ("poked near my eye and now the eye is full of blood, I can't see out of it", EMERGENCY),
        ("the extraction site won't stop bleeding and she is pale and dizzy", EMERGENCY),
        (
            "grandma is barely responding since this morning, the spot on her cheek is purple",
            EMERGENCY,
        ),
        ("the new face device left burn marks on my jawline", URGENT),
        # look-alikes
        ("my phone battery is swelling, can I still use it?", NONE),
        ("begadang terus sampai mata merah, milia karena kurang tidur?", NONE),
        ("the rash spreads a little every hour? no, it's been the same for a week", NONE),
    ],
)
def test_collapses_blood_in_the_eye_and_long_bleeds(
    triage: SafetyTriage, message: str, level: SafetyLevel
) -> None:
    assert triage.assess(message).level == level


@pytest.mark.parametrize(
    ("message", "level"),
    [
        # "tidak mau nyusu, lemes": the "tidak" of one sign denies nothing after it
        ("bayiku 3 minggu tidak mau nyusu, lemes, badannya dingin", EMERGENCY),
        ("my 10 day old only fed once in 6 hours and is super sleepy", EMERGENCY),
        ("my mum's vision went totally black in one eye after the procedure", EMERGENCY),
        ("newborn's skin and eyes look yellowish since yesterday", URGENT),
        ("after cryo the skin went dark purple and it's cold and numb", URGENT),
        ("the bump got shiny and pearly with tiny red vessels", URGENT),
        ("my throat is itchy and it's getting harder to swallow after the peel", EMERGENCY),
        # look-alikes
        ("she had jaundice in week one, all sorted now, are milia normal at 8 weeks?", NONE),
        ("my lips are purple from the grape popsicle, cold too lol", NONE),
    ],
)
def test_denials_inside_signs_yellow_babies_and_dying_skin(
    triage: SafetyTriage, message: str, level: SafetyLevel
) -> None:
    assert triage.assess(message).level == level
