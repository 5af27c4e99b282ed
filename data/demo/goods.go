package demo

// goods is a kind of thing stalls sell, with the words to list one: {t} in
// its templates is the thing.
type goods struct {
	tags   []bi // the kind's tags, always given (Chinese and English)
	things []thing
	titles []bi
	price  [2]int // usual price in yuan
	qty    [2]int // usual quantity
	offer  [3]int // percent of items that are free, for a swap, "ask me"
	origin []bi   // where it came from: a story's first paragraph
	detail []bi   // further paragraphs
	short  []bi   // one-line stories
	used   bool   // second hand: its condition is worth a word
}

// thing is one thing of a kind, with a tag of its own.
type thing struct {
	t     bi
	tag   bi
	price [2]int // overrides the kind's price when set
}

// Titles shared by kinds.
var (
	plainTitles   = []bi{{"{t}", "{t}"}, {"{t}", "{t}"}}
	vintageTitles = []bi{{"{dec}{t}", "{dec} {t}"}, {"{owns}{t}", "{owns} {t}"}, {"{t}", "{t}"}, {"{dec}{t}", "{dec} {t}"}, {"老{t}", "Old {t}"}}
	handTitles    = []bi{{"手作{t}", "Handmade {t}"}, {"{t}", "{t}"}, {"{col}色{t}", "{t}, {col}"}}
)

// Paragraphs shared by kinds.
var (
	pickUp = []bi{
		{"{day}在摊位自取，也可以留言约别的时间。", "Pick it up at the stall on {day}, or leave a message to arrange another time."},
		{"- 自取：{day}\n- 可以小刀\n- 也可以换东西", "- Pick-up: {day}\n- Happy to haggle a little\n- Swaps considered"},
		{"想看细节的话在下面留言，我再拍几张。", "Ask below if you'd like to see details; I'll take more photos."},
	}
	// usedPickUp is for second-hand things.
	usedPickUp = append([]bi{
		{"成色：{cond}。照片是实物。", "Condition: {cond}. The photos show the thing itself."},
		{"- 成色：{cond}\n- 自取：{day}\n- 可以小刀", "- Condition: {cond}\n- Pick-up: {day}\n- Happy to haggle a little"},
	}, pickUp...)
	oldStory = []bi{
		{"这是{own}{when}整理出来的。{year}年前后买的，一直用到前几年。", "This turned up when {own} was clearing out {when}. Bought around {year}, used until a few years ago."},
		{"{when}在{city}的一个旧货市场淘到的。卖的人说是他父亲的东西。", "I found it at a flea market in {city} {when}. The seller said it had been his father's."},
		{"{place}一户老人家搬去跟女儿住，东西都留给了我们，让我们给它们找个新家。", "An old couple on {place} moved in with their daughter and left their things with us, to find them new homes."},
		{"它在{own}家的柜子顶上放了差不多四十年，**从来没人用过**。", "It sat on top of {own}'s wardrobe for nearly forty years, **never used once**."},
	}
	oldDetail = []bi{
		{"洗干净以后发现底下刻着一行小字，看不太清，好像是一个名字和“{year}”。", "Once it was clean we found a line scratched underneath — hard to read, maybe a name and \"{year}\"."},
		{"那个年代的东西做得结实，再用几十年没问题。", "Things were made to last then; it will do another few decades."},
		{"买回去不一定要用，放在那儿看着也好。", "You don't have to use it. It is good just to have it there."},
		{"关于这类老物件，我们记了一些[小故事](https://example.org/notes/old-things)。", "We keep [a few notes](https://example.org/notes/old-things) on old things like this."},
	}
	oldShort = []bi{
		{"{own}留下的，还能用。", "It was {own}'s, and it still works."},
		{"{dec}的老东西，{cond}。", "From the {dec}, {cond}."},
		{"{when}收来的，洗干净了。", "Came to us {when}; cleaned up."},
		{"老物件，有故事，问我。", "An old thing with a story — ask me."},
	}
)

// kinds are the names of the kinds of goods in catalog, in a fixed order.
var kinds = []string{"flowers", "dried", "plants", "herbs", "vintage", "radio", "bikes", "snacks", "sauces", "pastry",
	"drinks", "pottery", "textiles", "wood", "books", "comics", "inventions", "upcycled", "toys", "kidsbooks"}

// kindIndex returns the index of kind in kinds.
func kindIndex(kind string) uint8 {
	for i, k := range kinds {
		if k == kind {
			return uint8(i)
		}
	}
	panic("demo: no kind of goods " + kind)
}

var catalog = map[string]*goods{
	"flowers": {
		tags: []bi{{"花", "flowers"}, {"鲜花", "fresh-flowers"}},
		things: []thing{
			{t: bi{"茉莉花", "jasmine"}}, {t: bi{"栀子花", "gardenias"}}, {t: bi{"月季", "Chinese roses"}, tag: bi{"月季", "roses"}},
			{t: bi{"绣球花", "hydrangeas"}, tag: bi{"绣球", "hydrangea"}}, {t: bi{"向日葵", "sunflowers"}, tag: bi{"向日葵", "sunflower"}},
			{t: bi{"桂花枝", "osmanthus sprigs"}, tag: bi{"桂花", "osmanthus"}}, {t: bi{"菊花", "chrysanthemums"}},
			{t: bi{"白玉兰", "magnolias"}}, {t: bi{"芍药", "peonies"}, tag: bi{"芍药", "peony"}}, {t: bi{"满天星", "baby's breath"}},
			{t: bi{"康乃馨", "carnations"}}, {t: bi{"郁金香", "tulips"}}, {t: bi{"小雏菊", "daisies"}}, {t: bi{"百合", "lilies"}},
			{t: bi{"荷花", "lotus flowers"}, tag: bi{"荷花", "lotus"}}, {t: bi{"腊梅", "wintersweet"}},
		},
		titles: []bi{{"一束{t}", "A bunch of {t}"}, {"阳台上的{t}", "Balcony {t}"}, {"今早剪的{t}", "{t}, cut this morning"}, {"{col}色{t}", "{col} {t}"}, {"{t}，一小把", "A handful of {t}"}},
		price:  [2]int{10, 80}, qty: [2]int{2, 20}, offer: [3]int{3, 3, 1},
		origin: []bi{
			{"今天早上六点剪的，还带着露水。{t}开得正好，插在水里能放一个星期。", "Cut at six this morning with the dew still on. The {t} are just opening and will last a week in water."},
			{"这盆{t}是{own}{when}给的一根枝条，养了{yrs}年，今年开得特别多。", "These {t} grew from a single cutting {own} gave me {when}. {yrs} years on, this year it flowered like never before."},
			{"花是自家阳台上种的，没打过药。", "Grown on our own balcony, never sprayed."},
		},
		detail: []bi{
			{"回家以后斜着剪一刀根，每天换水。**不要放在空调出风口。**", "At home, cut the stems at a slant and change the water daily. **Keep them away from the air conditioner.**"},
			{"用旧报纸包，想要牛皮纸的说一声。", "Wrapped in old newspaper; ask for brown paper if you prefer."},
		},
		short: []bi{{"今早刚剪的{t}，很香。", "{t}, cut this morning; they smell wonderful."}, {"自家阳台种的{t}。", "{t} from our balcony."}, {"{t}，开得正好。", "{t}, just at their best."}},
	},
	"dried": {
		tags: []bi{{"干花", "dried-flowers"}, {"花", "flowers"}},
		things: []thing{
			{t: bi{"薰衣草干花束", "lavender bunch"}}, {t: bi{"满天星干花", "dried baby's breath"}}, {t: bi{"麦穗花环", "wheat wreath"}, tag: bi{"花环", "wreath"}},
			{t: bi{"干花书签", "pressed-flower bookmark"}, tag: bi{"书签", "bookmark"}}, {t: bi{"绣球干花", "dried hydrangea"}},
			{t: bi{"尤加利叶", "eucalyptus bunch"}}, {t: bi{"压花相框", "pressed-flower frame"}},
		},
		titles: handTitles, price: [2]int{15, 150}, qty: [2]int{1, 8}, offer: [3]int{2, 4, 2},
		origin: []bi{
			{"这束{t}是上个月市集卖剩下的花，倒挂在屋檐下晾了三个星期。", "This {t} is made from last month's unsold market flowers, hung under the eaves for three weeks."},
			{"花田在崇明岛，{when}收的最后一茬。", "From our field on Chongming Island, the last cutting {when}."},
		},
		detail: []bi{{"放在干燥通风的地方，不要晒太阳，颜色能保持一两年。", "Keep it somewhere dry and airy, out of the sun, and the colour lasts a year or two."}},
		short:  []bi{{"不会谢的花。", "Flowers that don't wilt."}, {"手工风干，{col}色系。", "Dried by hand; {col} tones."}},
	},
	"plants": {
		tags: []bi{{"绿植", "plants"}, {"盆栽", "potted"}},
		things: []thing{
			{t: bi{"绿萝", "pothos"}}, {t: bi{"龟背竹", "monstera"}}, {t: bi{"吊兰", "spider plant"}}, {t: bi{"虎皮兰", "snake plant"}},
			{t: bi{"文竹", "asparagus fern"}}, {t: bi{"金钱树", "ZZ plant"}}, {t: bi{"茉莉花苗", "jasmine plant"}, tag: bi{"花", "flowers"}},
			{t: bi{"多肉拼盘", "succulent bowl"}, tag: bi{"多肉", "succulents"}}, {t: bi{"仙人掌", "cactus"}}, {t: bi{"常春藤", "ivy"}},
			{t: bi{"栀子花盆栽", "potted gardenia"}, tag: bi{"花", "flowers"}}, {t: bi{"君子兰", "clivia"}},
		},
		titles: []bi{{"一盆{t}", "A pot of {t}"}, {"{t}（扦插苗）", "{t} (from a cutting)"}, {"{t}", "{t}"}, {"大{t}", "Big {t}"}},
		price:  [2]int{8, 120}, qty: [2]int{1, 10}, offer: [3]int{5, 8, 1},
		origin: []bi{
			{"这盆{t}是从家里那盆老的上面剪下来扦插的，已经长了{n}个月，根很壮。", "This {t} was grown from a cutting of the old one at home. {n} months on, the roots are strong."},
			{"{own}养了{yrs}年的{t}，分盆分出来的。", "Divided from the {t} {own} has kept for {yrs} years."},
		},
		detail: []bi{
			{"- 浇水：土干了再浇\n- 光照：散射光就好\n- 盆：送", "- Water: when the soil is dry\n- Light: bright, indirect\n- Pot: included"},
			{"换盆用的是自己配的土，加了一点松针。", "Repotted in my own mix, with a little pine needle."},
		},
		short: []bi{{"好养，不用管它。", "Easy; it looks after itself."}, {"扦插苗，{n}个月大。", "From a cutting, {n} months old."}, {"送盆。", "Pot included."}},
	},
	"herbs": {
		tags: []bi{{"绿植", "plants"}, {"菜苗", "seedlings"}},
		things: []thing{
			{t: bi{"薄荷苗", "mint seedlings"}, tag: bi{"薄荷", "mint"}}, {t: bi{"罗勒苗", "basil seedlings"}, tag: bi{"罗勒", "basil"}},
			{t: bi{"小番茄苗", "cherry-tomato seedlings"}, tag: bi{"番茄", "tomato"}}, {t: bi{"香菜苗", "coriander seedlings"}},
			{t: bi{"迷迭香", "rosemary"}}, {t: bi{"紫苏", "shiso"}}, {t: bi{"小葱", "spring onions"}}, {t: bi{"辣椒苗", "chilli seedlings"}, tag: bi{"辣椒", "chilli"}},
		},
		titles: []bi{{"{t}", "{t}"}, {"{t}，{n}棵", "{t}, {n} plants"}, {"屋顶种的{t}", "Rooftop {t}"}},
		price:  [2]int{5, 30}, qty: [2]int{3, 30}, offer: [3]int{8, 8, 0},
		origin: []bi{{"屋顶菜园里多出来的{t}，种在回收的酸奶杯里。", "Extra {t} from the roof garden, planted in old yoghurt pots."}},
		detail: []bi{{"种下去以后一个月就能吃。", "Plant them out and you can eat them in a month."}},
		short:  []bi{{"阳台就能种。", "Grows on any balcony."}, {"多出来的苗，便宜给。", "Spare seedlings, cheap."}},
	},
	"vintage": {
		used: true,
		tags: []bi{{"旧物", "vintage"}, {"老物件", "old-things"}},
		things: []thing{
			{t: bi{"搪瓷杯", "enamel mug"}, tag: bi{"搪瓷", "enamel"}}, {t: bi{"搪瓷脸盆", "enamel basin"}, tag: bi{"搪瓷", "enamel"}},
			{t: bi{"热水瓶", "thermos flask"}}, {t: bi{"铁皮饼干盒", "tin biscuit box"}}, {t: bi{"上海牌手表", "Shanghai wristwatch"}, tag: bi{"手表", "watch"}, price: [2]int{200, 900}},
			{t: bi{"双铃闹钟", "twin-bell alarm clock"}, tag: bi{"闹钟", "clock"}}, {t: bi{"蝴蝶牌缝纫机", "Butterfly sewing machine"}, tag: bi{"缝纫机", "sewing-machine"}, price: [2]int{300, 800}},
			{t: bi{"海鸥相机", "Seagull camera"}, tag: bi{"相机", "camera"}, price: [2]int{150, 700}}, {t: bi{"粮票", "grain ration coupons"}, tag: bi{"票证", "coupons"}},
			{t: bi{"煤油灯", "paraffin lamp"}}, {t: bi{"算盘", "abacus"}}, {t: bi{"印花玻璃杯", "printed glass tumblers"}},
			{t: bi{"暖水袋", "hot-water bottle"}}, {t: bi{"樟木箱", "camphor-wood chest"}, price: [2]int{300, 1200}}, {t: bi{"凤凰牌自行车铃", "Phoenix bicycle bell"}, tag: bi{"自行车", "bicycle"}},
			{t: bi{"老式台灯", "desk lamp"}}, {t: bi{"红双喜痰盂", "Double Happiness spittoon"}}, {t: bi{"铝饭盒", "aluminium lunch box"}, tag: bi{"饭盒", "lunchbox"}},
		},
		titles: vintageTitles, price: [2]int{15, 500}, qty: [2]int{1, 1}, offer: [3]int{2, 4, 6},
		origin: oldStory, detail: oldDetail, short: oldShort,
	},
	"radio": {
		used: true,
		tags: []bi{{"旧物", "vintage"}, {"收音机", "radio"}},
		things: []thing{
			{t: bi{"红灯牌收音机", "Red Lantern radio"}}, {t: bi{"熊猫牌收音机", "Panda radio"}}, {t: bi{"半导体收音机", "transistor radio"}},
			{t: bi{"双卡录音机", "twin-cassette recorder"}, tag: bi{"磁带", "cassette"}}, {t: bi{"黑胶唱机", "record player"}, tag: bi{"黑胶", "vinyl"}},
			{t: bi{"老唱片", "gramophone records"}, tag: bi{"黑胶", "vinyl"}}, {t: bi{"电子管收音机", "valve radio"}},
		},
		titles: vintageTitles, price: [2]int{60, 600}, qty: [2]int{1, 1}, offer: [3]int{0, 3, 10},
		origin: append([]bi{{"插上电，等半分钟，它就唱起来了。{year}年的{t}，里面的零件换过几个，都是老件。", "Plug it in, wait half a minute, and it sings. A {t} from {year}; a few parts are replaced, all with old ones."}}, oldStory...),
		detail: oldDetail, short: []bi{{"能响，能收台。", "Works; picks up stations."}, {"修好了，{cond}。", "Repaired; {cond}."}},
	},
	"bikes": {
		used: true,
		tags: []bi{{"自行车", "bicycle"}, {"旧物", "vintage"}},
		things: []thing{
			{t: bi{"凤凰牌二八自行车", "Phoenix 28-inch bicycle"}, price: [2]int{260, 900}}, {t: bi{"永久牌自行车", "Forever bicycle"}, price: [2]int{200, 800}},
			{t: bi{"飞鸽牌女式自行车", "Flying Pigeon ladies' bicycle"}, price: [2]int{200, 700}}, {t: bi{"自行车铃", "bicycle bell"}},
			{t: bi{"自行车车筐", "bicycle basket"}}, {t: bi{"牛皮自行车座", "leather bicycle saddle"}}, {t: bi{"儿童自行车", "child's bicycle"}, price: [2]int{80, 300}},
			{t: bi{"自行车打气筒", "bicycle pump"}}, {t: bi{"自行车摩电灯", "dynamo bicycle lamp"}}, {t: bi{"自行车后座", "bicycle rear rack"}},
		},
		titles: []bi{{"{dec}{t}", "{dec} {t}"}, {"修好的{t}", "Restored {t}"}, {"{t}", "{t}"}, {"{owns}{t}", "{owns} {t}"}},
		price:  [2]int{15, 200}, qty: [2]int{1, 2}, offer: [3]int{1, 2, 4},
		origin: []bi{
			{"这辆车是{when}从{place}一个老师傅手里收来的。拆开除锈、换了轴承和刹车皮，现在骑起来一点声音都没有。", "This came from an old fellow on {place} {when}. Taken apart, de-rusted, new bearings and brake blocks; now it rides without a sound."},
			{"{dec}的{t}，原装的漆还在，只是掉了几块。", "A {t} from the {dec}, still in its original paint, chipped here and there."},
			{"{own}骑着它上了{yrs}年班。", "{own} rode it to work for {yrs} years."},
		},
		detail: []bi{
			{"**包修一年**，坏了推过来。", "**Mended free for a year** — just wheel it over."},
			{"修车的过程拍了视频：[这里](https://example.org/stalls/bike-repair/videos)。", "There is a video of the restoration [here](https://example.org/stalls/bike-repair/videos)."},
		},
		short: []bi{{"修好了，能骑。", "Restored and ready to ride."}, {"原装老件。", "Original old part."}, {"{dec}的，{cond}。", "From the {dec}; {cond}."}},
	},
	"snacks": {
		tags: []bi{{"小吃", "food"}, {"手工", "homemade"}},
		things: []thing{
			{t: bi{"荠菜饺子", "shepherd's purse dumplings"}, tag: bi{"饺子", "dumplings"}}, {t: bi{"韭菜鸡蛋饺子", "chive and egg dumplings"}, tag: bi{"饺子", "dumplings"}},
			{t: bi{"生煎包", "pan-fried buns"}}, {t: bi{"葱油饼", "scallion pancakes"}}, {t: bi{"大馄饨", "big wontons"}, tag: bi{"馄饨", "wontons"}},
			{t: bi{"粽子", "zongzi"}}, {t: bi{"茶叶蛋", "tea eggs"}}, {t: bi{"糖炒栗子", "sugar-roasted chestnuts"}}, {t: bi{"豆花", "tofu pudding"}},
			{t: bi{"烤红薯", "roast sweet potatoes"}}, {t: bi{"油墩子", "radish fritters"}},
		},
		titles: []bi{{"{t}", "{t}"}, {"手工{t}", "Handmade {t}"}, {"{t}（{n}个一份）", "{t} ({n} a portion)"}},
		price:  [2]int{5, 40}, qty: [2]int{10, 60}, offer: [3]int{1, 1, 0},
		origin: []bi{
			{"{t}是早上现做的，一小锅一小锅地做。", "The {t} are made fresh every morning, a small batch at a time."},
			{"这是{own}教我的做法，{yrs}年没变过。", "{own} taught me to make them this way, unchanged for {yrs} years."},
		},
		detail: []bi{{"生的带回家冷冻，吃的时候不用解冻。", "Take them raw and freeze them; cook from frozen."}, {"**限量**，卖完就收摊。", "**Limited** — when they're gone, we pack up."}},
		short:  []bi{{"现做的{t}。", "{t}, made today."}, {"趁热吃。", "Best eaten hot."}, {"{own}的方子。", "{own}'s recipe."}},
	},
	"sauces": {
		tags: []bi{{"小吃", "food"}, {"辣酱", "chilli-sauce"}},
		things: []thing{
			{t: bi{"香辣牛肉酱", "spicy beef sauce"}}, {t: bi{"油泼辣子", "chilli oil"}}, {t: bi{"豆豉辣酱", "black-bean chilli sauce"}},
			{t: bi{"不辣的香菇酱", "mild mushroom sauce"}}, {t: bi{"剁辣椒", "chopped chillies"}}, {t: bi{"桂花酱", "osmanthus jam"}, tag: bi{"桂花", "osmanthus"}},
		},
		titles: []bi{{"{t}", "{t}"}, {"自家熬的{t}", "Home-made {t}"}, {"{t}，一瓶", "A jar of {t}"}},
		price:  [2]int{15, 45}, qty: [2]int{5, 30}, offer: [3]int{0, 2, 0},
		origin: []bi{{"{t}是在家里的老灶上熬的，一锅要熬三个钟头。", "The {t} is cooked on the old stove at home, three hours a pot."}},
		detail: []bi{{"开了以后放冰箱，一个月内吃完。", "Once open, keep it in the fridge and finish it within a month."}},
		short:  []bi{{"拌面、拌饭都好吃。", "Good on noodles, good on rice."}, {"空瓶拿回来便宜两块。", "Two yuan off when you bring the jar back."}},
	},
	"pastry": {
		tags: []bi{{"小吃", "food"}, {"点心", "pastry"}},
		things: []thing{
			{t: bi{"桂花糕", "osmanthus cake"}, tag: bi{"桂花", "osmanthus"}}, {t: bi{"青团", "qingtuan"}}, {t: bi{"蛋黄酥", "egg-yolk pastries"}},
			{t: bi{"绿豆糕", "mung bean cakes"}}, {t: bi{"月饼", "mooncakes"}}, {t: bi{"酒酿饼", "rice-wine cakes"}}, {t: bi{"鲜花饼", "rose cakes"}, tag: bi{"花", "flowers"}},
			{t: bi{"葱油酥饼", "scallion pastries"}}, {t: bi{"蝴蝶酥", "palmiers"}},
		},
		titles: []bi{{"{t}", "{t}"}, {"外婆方子的{t}", "{t} from Grandma's recipe"}, {"{t}（{n}个装）", "{t} (box of {n})"}},
		price:  [2]int{6, 48}, qty: [2]int{6, 40}, offer: [3]int{0, 1, 0},
		origin: []bi{{"{t}的方子写在外婆那本发黄的练习本上，第{n}页。", "The recipe for the {t} is on page {n} of Grandma's yellowed exercise book."}, {"每周只做一次{t}，周五晚上烤，周六早上卖。", "We bake {t} once a week: Friday night for Saturday morning."}},
		detail: []bi{{"不加防腐剂，**当天吃完最好**。", "No preservatives — **best eaten the same day**."}},
		short:  []bi{{"当天做的。", "Baked today."}, {"甜度减了三分。", "A little less sweet than usual."}},
	},
	"drinks": {
		tags:   []bi{{"小吃", "food"}, {"饮品", "drinks"}},
		things: []thing{{t: bi{"酸梅汤", "sour plum drink"}}, {t: bi{"桂花米酿", "osmanthus rice wine"}}, {t: bi{"菊花茶", "chrysanthemum tea"}, tag: bi{"花", "flowers"}}, {t: bi{"大麦茶", "barley tea"}}, {t: bi{"冰豆浆", "iced soy milk"}}},
		titles: plainTitles, price: [2]int{5, 20}, qty: [2]int{10, 50}, offer: [3]int{2, 0, 0},
		origin: []bi{{"{t}是用{own}的老方子煮的，不加香精。", "The {t} is made from {own}'s old recipe, with no flavourings."}},
		detail: []bi{{"自带杯子便宜一块。", "One yuan off if you bring a cup."}},
		short:  []bi{{"解暑。", "Cools you down."}, {"自带杯子便宜一块。", "One yuan off with your own cup."}},
	},
	"pottery": {
		tags: []bi{{"手作", "handmade"}, {"陶瓷", "ceramics"}},
		things: []thing{
			{t: bi{"手拉坯茶杯", "hand-thrown teacup"}}, {t: bi{"青瓷碗", "celadon bowl"}}, {t: bi{"陶土花瓶", "clay vase"}, tag: bi{"花瓶", "vase"}},
			{t: bi{"柴烧茶壶", "wood-fired teapot"}, price: [2]int{200, 680}}, {t: bi{"小碟子", "little dish"}}, {t: bi{"马克杯", "mug"}}, {t: bi{"陶瓷香插", "incense holder"}},
		},
		titles: []bi{{"{t}", "{t}"}, {"{col}釉{t}", "{col}-glazed {t}"}, {"窑变{t}", "Kiln-luck {t}"}, {"{t}（有小瑕疵）", "{t} (a second)"}},
		price:  [2]int{40, 380}, qty: [2]int{1, 6}, offer: [3]int{0, 2, 2},
		origin: []bi{{"这只{t}是这个月第二窑出来的，釉色比预想的深。", "This {t} came out of the month's second firing, the glaze darker than planned."}, {"泥是从{city}带回来的。拉坯、修坯、上釉、烧，一共花了{n}天。", "The clay came from {city}. Throwing, trimming, glazing and firing took {n} days."}},
		detail: []bi{{"能进微波炉和洗碗机。", "Microwave and dishwasher safe."}, {"每一件都独一无二，照片就是这一件。", "Each one is unique; the photo is this one."}},
		short:  []bi{{"手工的，每只都不一样。", "Handmade, no two alike."}, {"{col}色的釉，很温柔。", "A gentle {col} glaze."}},
	},
	"textiles": {
		tags: []bi{{"手作", "handmade"}, {"布艺", "textiles"}},
		things: []thing{
			{t: bi{"蓝染围巾", "indigo scarf"}, tag: bi{"蓝染", "indigo"}}, {t: bi{"手织毛线帽", "knitted hat"}, tag: bi{"毛线", "knitting"}},
			{t: bi{"帆布包", "canvas bag"}}, {t: bi{"刺绣胸针", "embroidered brooch"}, tag: bi{"刺绣", "embroidery"}}, {t: bi{"围裙", "apron"}},
			{t: bi{"布艺杯垫", "fabric coasters"}}, {t: bi{"扎染手帕", "tie-dyed handkerchief"}},
		},
		titles: handTitles, price: [2]int{30, 300}, qty: [2]int{1, 4}, offer: [3]int{0, 3, 2},
		origin: []bi{{"这条{t}用的是{own}留下的旧布，一共只够做{n}件。", "This {t} is made from old cloth {own} left behind; there was only enough for {n}."}, {"染了七次才有这个颜色。", "Seven dips to get this colour."}},
		detail: []bi{{"冷水手洗，阴干。", "Hand wash cold, dry in the shade."}},
		short:  []bi{{"手工做的，慢慢做的。", "Made by hand, slowly."}, {"{col}色，只有一件。", "{col}; only one."}},
	},
	"wood": {
		tags:   []bi{{"手作", "handmade"}, {"木工", "woodwork"}},
		things: []thing{{t: bi{"木勺", "wooden spoon"}}, {t: bi{"砧板", "chopping board"}}, {t: bi{"小板凳", "little stool"}}, {t: bi{"木头收纳盒", "wooden box"}}, {t: bi{"黄杨木梳", "boxwood comb"}}, {t: bi{"木头小鸟", "wooden bird"}}},
		titles: []bi{{"{t}", "{t}"}, {"老木料{t}", "{t} from old timber"}, {"手作{t}", "Handmade {t}"}},
		price:  [2]int{15, 260}, qty: [2]int{1, 5}, offer: [3]int{0, 2, 2},
		origin: []bi{{"木料来自{place}一栋{year}年的老房子，拆的时候我要了几根梁。", "The wood is from a {year} house on {place}; I asked for a few beams when it came down."}},
		detail: []bi{{"用食用油擦一擦，越用越好看。", "Rub it with cooking oil; it gets better with use."}},
		short:  []bi{{"老木头做的。", "Made from old wood."}, {"背面写着木头的来历。", "Where the wood came from is written on the back."}},
	},
	"books": {
		used: true,
		tags: []bi{{"旧书", "old-books"}, {"书", "books"}},
		things: []thing{
			{t: bi{"《十万个为什么》", "One Hundred Thousand Whys"}}, {t: bi{"《红楼梦》", "Dream of the Red Chamber"}}, {t: bi{"《围城》", "Fortress Besieged"}},
			{t: bi{"《新华字典》", "Xinhua Dictionary"}, tag: bi{"字典", "dictionary"}}, {t: bi{"《唐诗三百首》", "300 Tang Poems"}, tag: bi{"诗", "poetry"}},
			{t: bi{"《边城》", "Border Town"}}, {t: bi{"《呐喊》", "Call to Arms"}}, {t: bi{"《平凡的世界》", "Ordinary World"}}, {t: bi{"英文企鹅平装书", "Penguin paperbacks"}, tag: bi{"英文书", "english"}},
			{t: bi{"《上海的早晨》", "Morning in Shanghai"}}, {t: bi{"《家》", "Family"}}, {t: bi{"菜谱", "cookbook"}, tag: bi{"菜谱", "cookery"}}, {t: bi{"老地图册", "old atlas"}, tag: bi{"地图", "maps"}},
		},
		titles: []bi{{"{t}，{year}年版", "{t}, {year} edition"}, {"旧书：{t}", "Old book: {t}"}, {"{t}", "{t}"}, {"{t}（有批注）", "{t} (with notes in the margins)"}, {"一套{t}", "A set of {t}"}},
		price:  [2]int{5, 80}, qty: [2]int{1, 1}, offer: [3]int{3, 10, 1},
		origin: []bi{
			{"这本旧书是{year}年印的，扉页上写着“{place}，购于新华书店”。", "This old book was printed in {year}; on the flyleaf someone wrote \"{place}, bought at Xinhua Bookshop\"."},
			{"书里夹着一张{year}年的电影票，我没拿出来。", "There is a cinema ticket from {year} between its pages. I left it there."},
			{"{own}的书。页边有很多铅笔字，有的是读后感，有的是菜价。", "{own}'s book. The margins are full of pencil notes — some about the story, some about the price of vegetables."},
		},
		detail: []bi{{"书页有点黄，不缺页。", "The pages have yellowed; none are missing."}, {"带一本书来，可以换。", "Bring a book and we'll swap."}},
		short:  []bi{{"旧书，不缺页。", "An old book, complete."}, {"{year}年版，{cond}。", "{year} edition, {cond}."}, {"书里有前一个主人的笔记。", "With the last owner's notes inside."}},
	},
	"comics": {
		used: true,
		tags: []bi{{"旧书", "old-books"}, {"连环画", "picture-books"}},
		things: []thing{
			{t: bi{"连环画《西游记》", "Journey to the West picture book"}}, {t: bi{"连环画《三国演义》", "Three Kingdoms picture book"}}, {t: bi{"《大众电影》合订本", "Popular Cinema, bound volume"}, tag: bi{"杂志", "magazines"}},
			{t: bi{"《故事会》", "Story Club magazine"}, tag: bi{"杂志", "magazines"}}, {t: bi{"小人书《铁道游击队》", "Railway Guerrillas picture book"}}, {t: bi{"《少年文艺》", "Youth Literature magazine"}, tag: bi{"杂志", "magazines"}},
		},
		titles: []bi{{"{t}（{year}）", "{t} ({year})"}, {"{t}", "{t}"}, {"旧书：{t}", "Old: {t}"}},
		price:  [2]int{3, 60}, qty: [2]int{1, 2}, offer: [3]int{2, 8, 2},
		origin: []bi{{"小时候在弄堂口一毛钱看一本的{t}，现在找齐了这一套。", "The {t} we paid a fen a read for at the end of the lane as children — I finally have the whole set."}},
		detail: []bi{{"可以先坐在小板凳上看。", "You can sit on the little stool and read it first."}},
		short:  []bi{{"童年回忆。", "Childhood, in a book."}, {"{year}年的，{cond}。", "From {year}; {cond}."}},
	},
	"inventions": {
		tags: []bi{{"发明", "inventions"}, {"手作", "handmade"}},
		things: []thing{
			{t: bi{"自动剥毛豆机", "automatic edamame sheller"}}, {t: bi{"会浇花的机器人", "robot that waters the flowers"}, tag: bi{"机器人", "robot"}},
			{t: bi{"自行车发电充电器", "bicycle-powered phone charger"}, tag: bi{"自行车", "bicycle"}}, {t: bi{"太阳能蝈蝈笼", "solar cricket cage"}},
			{t: bi{"会弹《茉莉花》的八音盒", "music box that plays Jasmine Flower"}, tag: bi{"八音盒", "music-box"}}, {t: bi{"下雨自动收衣架", "laundry rack that comes in when it rains"}},
			{t: bi{"机械万年历", "mechanical perpetual calendar"}}, {t: bi{"泡茶计时器", "tea-brewing timer"}}, {t: bi{"猫咪自动喂食器", "automatic cat feeder"}, tag: bi{"猫", "cats"}},
		},
		titles: []bi{{"{t}", "{t}"}, {"自制{t}", "Home-built {t}"}, {"{t}（第{n}版）", "{t} (version {n})"}},
		price:  [2]int{50, 500}, qty: [2]int{1, 3}, offer: [3]int{0, 5, 25},
		origin: []bi{
			{"这台{t}是第{n}版。前面几版不是卡住就是冒烟，这一版**终于能用了**。", "This {t} is version {n}. The earlier ones jammed or smoked; this one **finally works**."},
			{"做{t}的想法来自{own}的一句抱怨。", "The {t} began with a complaint from {own}."},
		},
		detail: []bi{
			{"材料：\n\n- 旧洗衣机的电机\n- 自行车链条\n- 一块单片机\n- 很多胶带", "Made of:\n\n- an old washing-machine motor\n- a bicycle chain\n- a microcontroller\n- a great deal of tape"},
			{"图纸在[这里](https://example.org/stalls/inventions/plans)，欢迎照着做，做坏了别找我。", "The drawings are [here](https://example.org/stalls/inventions/plans). Build your own — at your own risk."},
			{"可以现场演示。", "Demonstrations on request."},
		},
		short: []bi{{"能用，真的。", "It works. Really."}, {"没什么用，但是很好玩。", "Not useful, but great fun."}, {"问我怎么做的。", "Ask me how it's made."}},
	},
	"upcycled": {
		tags: []bi{{"旧物改造", "upcycled"}, {"发明", "inventions"}},
		things: []thing{
			{t: bi{"自行车链条台灯", "bicycle-chain lamp"}, tag: bi{"自行车", "bicycle"}}, {t: bi{"收音机改的蓝牙音箱", "radio turned Bluetooth speaker"}, tag: bi{"收音机", "radio"}},
			{t: bi{"热水瓶台灯", "thermos-flask lamp"}}, {t: bi{"齿轮挂钟", "gear wall clock"}}, {t: bi{"罐头盒小夜灯", "tin-can night light"}},
		},
		titles: []bi{{"{t}", "{t}"}, {"旧物改的{t}", "Upcycled {t}"}},
		price:  [2]int{40, 400}, qty: [2]int{1, 3}, offer: [3]int{0, 4, 10},
		origin: []bi{{"这个{t}的零件都是从坏东西里拆出来的，只有电线是新的。", "Every part of this {t} came out of something broken; only the wiring is new."}},
		detail: []bi{{"电路是开源的，在[这里](https://example.org/stalls/odd-machines/source)。", "The circuit is open source: [here](https://example.org/stalls/odd-machines/source)."}},
		short:  []bi{{"坏东西变成的新东西。", "A new thing made of broken ones."}},
	},
	"toys": {
		tags: []bi{{"童趣", "kids"}, {"玩具", "toys"}},
		things: []thing{
			{t: bi{"铁皮青蛙", "wind-up tin frog"}}, {t: bi{"玻璃弹珠", "glass marbles"}}, {t: bi{"鸡毛毽子", "feather shuttlecock"}}, {t: bi{"七巧板", "tangram"}},
			{t: bi{"手工布娃娃", "rag doll"}, tag: bi{"手作", "handmade"}}, {t: bi{"沙燕风筝", "swallow kite"}, tag: bi{"风筝", "kite"}}, {t: bi{"滚铁环", "hoop and stick"}},
			{t: bi{"木头拼图", "wooden jigsaw"}}, {t: bi{"万花筒", "kaleidoscope"}}, {t: bi{"跳棋", "Chinese checkers"}},
		},
		titles: []bi{{"{t}", "{t}"}, {"小时候的{t}", "{t}, like when we were small"}, {"{col}色{t}", "{col} {t}"}},
		price:  [2]int{5, 120}, qty: [2]int{1, 3}, offer: [3]int{5, 12, 1},
		origin: []bi{{"{t}是{dec}小朋友最爱的玩具，我找到了一批没拆封的。", "The {t} was every child's favourite in the {dec}; I found a box of them never opened."}, {"这个{t}是我自己做的，照着小时候的样子。", "I made this {t} myself, just like the ones I had as a boy."}},
		detail: []bi{{"先玩再买。", "Play first, then decide."}, {"适合{n}岁以上。", "For ages {n} and up."}},
		short:  []bi{{"先玩再买。", "Try before you buy."}, {"大人也会喜欢。", "Grown-ups like it too."}},
	},
	"kidsbooks": {
		used:   true,
		tags:   []bi{{"童趣", "kids"}, {"绘本", "picture-books"}},
		things: []thing{{t: bi{"绘本", "picture books"}}, {t: bi{"拼音读物", "pinyin readers"}}, {t: bi{"英文绘本", "English picture books"}}, {t: bi{"童装", "children's clothes"}, tag: bi{"童装", "kidswear"}}, {t: bi{"积木", "building blocks"}}},
		titles: []bi{{"一袋{t}", "A bag of {t}"}, {"{t}（换）", "{t} (swap)"}, {"{t}", "{t}"}},
		price:  [2]int{3, 30}, qty: [2]int{1, 3}, offer: [3]int{15, 35, 0},
		origin: []bi{{"孩子长大了，{t}还很新。", "Outgrown, but the {t} are as good as new."}},
		detail: []bi{{"**一件换一件**，小朋友自己来换。", "**One for one** — the children do the swapping."}},
		short:  []bi{{"长大了，用不上了。", "Outgrown."}, {"换给下一个小朋友。", "Passing it on to the next child."}},
	},
}
