package demo

import (
	"math/rand/v2"
	"strconv"
	"strings"
)

// archetype is a kind of stall: who keeps it, what it is called, the story it
// tells and the goods on its table. In templates {who} is how people call the
// stallholder (王阿婆, Granny Wang), {g} and {s} the given name and surname.
type archetype struct {
	alley string
	sex   sex
	call  bi   // how people call the stallholder
	names []bi // the stall's name
	intro []bi // the story's first paragraph
	more  []bi // further paragraphs
	goods []string
}

var archetypes = []archetype{
	// Flowers.
	{alley: "flowers", sex: woman, call: bi{"{s}阿婆", "Granny {s}"},
		names: []bi{{"{who}的阳台花", "Granny {s}'s Balcony Flowers"}, {"{s}阿婆花摊", "Granny {s}'s Flower Stall"}, {"六楼阳台", "The Sixth-Floor Balcony"}},
		intro: []bi{
			{"{who}在{place}的六楼阳台上养了三十多年的花。每个周六早上，她把开得最好的几枝剪下来，用旧报纸包好，带到市集上来。",
				"{who} has grown flowers on her sixth-floor balcony on {place} for more than thirty years. Every Saturday morning she cuts the best of them, wraps them in old newspaper and brings them to the market."},
			{"“花是养给人看的，放在家里只有我一个人看，可惜了。”{who}说。她的阳台上有{nn}个花盆，每一盆都有名字。",
				"\"Flowers are grown to be seen, and at home I'm the only one who sees them,\" says {who}. There are {nn} pots on her balcony and every one has a name."},
		},
		more: []bi{
			{"茉莉、栀子、月季，什么当季就带什么。**早点来**，十点以后常常就只剩叶子了。", "Jasmine, gardenias, roses — whatever is in season. **Come early**: after ten there are often only leaves left."},
			{"买花的人她都记得。上个月有个小姑娘每周来买一枝栀子花，后来带着男朋友一起来了。", "She remembers everyone who buys. Last month a young woman came every week for one gardenia; then she came with her boyfriend."},
			{"花瓶可以自己带，报纸她包。", "Bring your own vase if you like; she brings the newspaper."},
		},
		goods: []string{"flowers", "flowers", "plants"}},
	{alley: "flowers", sex: woman, call: bi{"{g}", "{g}"},
		names: []bi{{"{g}的小花车", "{g}'s Flower Cart"}, {"三轮车上的花", "Flowers on a Tricycle"}, {"今日花事", "Today's Flowers"}},
		intro: []bi{
			{"{who}原来在写字楼里做广告设计，{yrs}岁那年辞了职，把一辆旧三轮车刷成{col}色，装满花，推到了市集上。",
				"{who} used to design adverts in an office tower. At {yrs} she quit, painted an old tricycle {col}, filled it with flowers and pushed it to the market."},
			{"凌晨四点去花市进货，六点开始修剪，八点出摊。{who}说这是她做过最累、也最开心的工作。",
				"Four in the morning at the wholesale flower market, trimming at six, open at eight. {who} says it is the hardest and happiest job she has had."},
		},
		more: []bi{
			{"每束花都是当天早上配的，不重样。想要什么颜色，可以提前留言。", "Every bunch is put together that morning and no two are alike. Tell her the colours you want in a message beforehand."},
			{"她的配花笔记：\n\n- 白色配一点绿，永远不会错\n- 向日葵要单独放\n- 小雏菊适合送给不太熟的人", "Her notes on bunches:\n\n- white with a little green is never wrong\n- sunflowers want to be on their own\n- daisies are for people you don't know well yet"},
			{"更多配花的照片在[她的小本子](https://example.org/stalls/flower-cart/notebook)里。", "More of her bunches are in [her notebook](https://example.org/stalls/flower-cart/notebook)."},
		},
		goods: []string{"flowers", "flowers", "dried"}},
	{alley: "flowers", sex: anyone, call: bi{"{s}{g}", "{g} {s}"},
		names: []bi{{"时间的花", "Flowers that Keep"}, {"{s}家干花", "The {s} Family's Dried Flowers"}, {"屋檐下", "Under the Eaves"}},
		intro: []bi{
			{"这里的花不会谢。{who}把市集上卖剩的花倒挂在屋檐下风干，做成花束、花环和书签。",
				"The flowers here don't wilt. {who} hangs the market's unsold flowers upside down under the eaves to dry, then makes bunches, wreaths and bookmarks."},
			{"{who}家在崇明岛上有一小块花田，种满天星、薰衣草和麦穗。每周五晚上坐最后一班船过来。",
				"{who}'s family keeps a small flower field on Chongming Island — baby's breath, lavender, wheat. They take the last ferry over every Friday night."},
		},
		more: []bi{
			{"干花怕潮，放在通风的地方可以放一两年。", "Dried flowers fear damp; somewhere airy, they keep a year or two."},
			{"也可以把你自己的花带来，我们帮你风干，**不收钱**。", "You can also bring your own flowers and we'll dry them for you, **free**."},
		},
		goods: []string{"dried", "flowers"}},

	// Vintage.
	{alley: "vintage", sex: man, call: bi{"老{s}", "Old {s}"},
		names: []bi{{"老{s}的旧物摊", "Old {s}'s Things from Before"}, {"{s}记旧货", "{s}'s Old Goods"}, {"时光杂货铺", "The Time Shop"}},
		intro: []bi{
			{"{who}从{year}年开始收旧东西：搪瓷杯、热水瓶、收音机、粮票……他说每一件东西都有过一个主人，他只是暂时替它们保管。",
				"{who} has been collecting old things since {year}: enamel mugs, thermos flasks, radios, ration coupons… Every one of them had an owner once, he says; he only looks after them for a while."},
			{"{who}的摊子上没有价签。你问，他就讲，讲完了再说价钱。", "There are no price tags on {who}'s table. You ask, he tells you the story, and then the price."},
		},
		more: []bi{
			{"很多东西是{place}一带老房子拆迁时留下来的。{who}一件件洗干净、修好，能用的绝不当摆设卖。",
				"A lot of it was left behind when the old houses around {place} came down. {who} cleans and mends every piece; anything that works is sold to be used, not just looked at."},
			{"他最宝贝的是一台**红灯牌收音机**，不卖，但可以听。", "His treasure is a **Red Lantern radio**. Not for sale, but you may listen."},
			{"关于怎么分辨老搪瓷，他写过一篇[小文章](https://example.org/notes/old-enamel)。", "He wrote [a short note](https://example.org/notes/old-enamel) on telling real old enamel from new."},
		},
		goods: []string{"vintage", "vintage", "radio", "bikes"}},
	{alley: "vintage", sex: man, call: bi{"{s}师傅", "Master {s}"},
		names: []bi{{"{s}师傅修车铺", "Master {s}'s Bicycle Repairs"}, {"弄堂口修车摊", "The Bike Fixer at the Lane's End"}, {"二八大杠", "The Old 28-inch"}},
		intro: []bi{
			{"弄堂口那个修自行车的摊子，{who}已经守了{yrs}年。骑车的人少了以后，他开始把收来的老自行车一辆辆拆开、除锈、上油，再修好。",
				"For {yrs} years {who} has fixed bicycles at the end of the lane. When fewer people rode, he started buying old bicycles, taking them apart, scraping off the rust, oiling them and making them ride again."},
			{"永久、凤凰、飞鸽——{who}闭着眼睛听链条的声音就知道是哪个牌子。", "Forever, Phoenix, Flying Pigeon — {who} can tell the make with his eyes closed, from the sound of the chain."},
		},
		more: []bi{
			{"修好的车都能骑，**包修一年**。补胎、调刹车，市集上当场就修，五块钱。", "Every bike he sells rides, and he **mends it free for a year**. Punctures and brakes are fixed on the spot at the market, five yuan."},
			{"他的工具：\n\n- 一把用了四十年的扳手\n- 一盆水，找漏气的地方\n- 一个收音机，听评弹", "His tools:\n\n- a spanner he has used for forty years\n- a basin of water for finding leaks\n- a radio, for listening to pingtan"},
			{"修车的视频在[这里](https://example.org/stalls/bike-repair/videos)。", "Videos of the repairs are [here](https://example.org/stalls/bike-repair/videos)."},
		},
		goods: []string{"bikes", "bikes", "vintage"}},
	{alley: "vintage", sex: woman, call: bi{"{g}", "{g}"},
		names: []bi{{"搬家清仓", "Moving Out"}, {"{g}的樟木箱", "{g}'s Camphor Chest"}, {"外婆家的东西", "Things from Grandma's Flat"}},
		intro: []bi{
			{"外婆的老房子要卖了。{who}和妈妈花了三个周末整理，发现外婆什么都没扔过：{dec}的搪瓷盆、没拆封的毛巾、一整箱的信。",
				"My grandmother's old flat is being sold. {who} and her mother spent three weekends sorting it and found she never threw anything away: enamel basins from the {dec}, towels still in their wrappers, a whole crate of letters."},
			{"我们在上海住了十二年，下个月就要搬走了。带不走的东西，希望它们去一个好人家。",
				"We have lived in Shanghai for twelve years and leave next month. The things we can't take should go to good homes."},
		},
		more: []bi{
			{"价格随意，给个心意就好。有几样东西**只换不卖**。", "Prices are whatever feels fair. A few things are **for swaps only**."},
			{"信和照片不卖，其他的都可以问。", "The letters and photographs are not for sale; ask about anything else."},
		},
		goods: []string{"vintage", "vintage", "books"}},

	// Food.
	{alley: "food", sex: woman, call: bi{"{s}阿姨", "Auntie {s}"},
		names: []bi{{"{s}阿姨夜市饺子", "Auntie {s}'s Night-Market Dumplings"}, {"{s}家馄饨", "The {s} Family Wontons"}, {"一碗热汤", "A Bowl of Something Hot"}},
		intro: []bi{
			{"周五晚上灯笼一亮，{who}的饺子摊前就排起了队。荠菜是她自己在郊区挖的，肉是早上现剁的。",
				"On Friday evenings, as soon as the lanterns go on, there is a queue at {who}'s dumpling stand. She picks the shepherd's purse herself outside the city; the pork is chopped that morning."},
			{"{who}做了{yrs}年饺子，从来不用机器。她说机器包的饺子“没有手的温度”。",
				"{who} has made dumplings for {yrs} years and never with a machine. Machine dumplings, she says, \"don't have the warmth of hands\"."},
		},
		more: []bi{
			{"生的可以带回家冻着，熟的当场吃。**醋和辣油自己加**。", "Take them raw to freeze at home, or eat them cooked on the spot. **Vinegar and chilli oil are on the table.**"},
			{"今天的馅：\n\n- 荠菜猪肉\n- 韭菜鸡蛋\n- 三鲜（周五才有）", "Today's fillings:\n\n- shepherd's purse and pork\n- chives and egg\n- three delicacies (Fridays only)"},
		},
		goods: []string{"snacks", "snacks", "sauces"}},
	{alley: "food", sex: anyone, call: bi{"{g}", "{g}"},
		names: []bi{{"{g}的点心铺", "{g}'s Little Bakery"}, {"桂花树下", "Under the Osmanthus"}, {"外婆的方子", "Grandma's Recipes"}},
		intro: []bi{
			{"{who}的点心方子都是外婆留下来的，写在一本发黄的练习本上。桂花糕、青团、蛋黄酥，什么季节做什么。",
				"{who}'s recipes all come from her grandmother, written in a yellowed exercise book: osmanthus cake, qingtuan, egg-yolk pastries — each in its season."},
			{"{who}在{city}学了三年西点，回来以后发现最想做的还是小时候吃的那几样。",
				"{who} trained as a pastry cook in {city} for three years, and came home to find that what she most wanted to bake was what she ate as a child."},
		},
		more: []bi{
			{"不加防腐剂，当天吃完最好。每样数量有限，可以先在网上预订，**周六早上来拿**。", "No preservatives; best eaten the same day. There are only so many of each, so reserve online and **collect on Saturday morning**."},
			{"那本练习本的照片在[这里](https://example.org/stalls/bakery/notebook)。", "Photos of the exercise book are [here](https://example.org/stalls/bakery/notebook)."},
		},
		goods: []string{"pastry", "pastry", "drinks"}},
	{alley: "food", sex: man, call: bi{"{s}老板", "Boss {s}"},
		names: []bi{{"{s}家辣酱", "The {s} Family Chilli Sauce"}, {"一勺香", "One Spoonful"}, {"老坛子", "The Old Crock"}},
		intro: []bi{
			{"{who}是{hot}人，来上海{yrs}年，吃不惯这里的甜，就自己熬辣酱。后来邻居们都来要，干脆摆了个摊。",
				"{who} is from {hot}. In {yrs} years in Shanghai he never got used to the sweetness, so he made his own chilli sauce. The neighbours kept asking for it, so now he has a stall."},
		},
		more: []bi{
			{"辣椒、花椒、豆豉都是老家寄来的。**不辣的也有**，给小朋友和上海阿姨。", "The chillies, peppercorns and black beans are sent from home. **There is a mild one too**, for children and Shanghai aunties."},
			{"空瓶子拿回来，下次便宜两块。", "Bring the jar back and the next one is two yuan cheaper."},
		},
		goods: []string{"sauces", "snacks", "drinks"}},

	// Crafts.
	{alley: "crafts", sex: woman, call: bi{"{g}", "{g}"},
		names: []bi{{"{g}陶坊", "{g} Pottery"}, {"窑变", "Kiln Luck"}, {"泥巴与火", "Clay and Fire"}},
		intro: []bi{
			{"{who}在{city}学了两年陶艺，回上海后在{place}的一间车库里砌了一座小窑。每一只杯子都是她手拉坯、自己上釉烧出来的。",
				"{who} studied pottery in {city} for two years, then built a small kiln in a garage on {place}. Every cup is thrown, glazed and fired by her hand."},
			{"每次开窑都像拆礼物：同一种釉，烧出来的颜色每次都不一样。{who}管这个叫“窑变”。",
				"Opening the kiln is like unwrapping a present: the same glaze never comes out the same colour twice. {who} calls it \"kiln luck\"."},
		},
		more: []bi{
			{"杯子都能用洗碗机，但她更希望你用手洗。有小瑕疵的杯子**半价**。", "The cups survive a dishwasher, but she hopes you will wash them by hand. Seconds are **half price**."},
			{"每月第一个周六有拉坯体验课，[在这里报名](https://example.org/stalls/pottery/classes)。", "On the first Saturday of the month there is a wheel-throwing class: [sign up here](https://example.org/stalls/pottery/classes)."},
		},
		goods: []string{"pottery", "pottery", "textiles"}},
	{alley: "crafts", sex: anyone, call: bi{"{s}{g}", "{g} {s}"},
		names: []bi{{"蓝染小院", "Indigo at Home"}, {"{g}的针线", "{g}'s Needle and Thread"}, {"慢慢织", "Knit Slowly"}},
		intro: []bi{
			{"{who}在院子里种了一片蓼蓝，自己发酵染缸。每一条围巾要染七八次，才有那种深深的蓝。",
				"{who} grows indigo in the yard and ferments her own vat. Each scarf is dipped seven or eight times to get that deep blue."},
			{"{who}的外婆是裁缝。小时候她在缝纫机下面玩，现在她用那台缝纫机做包和围裙。",
				"{who}'s grandmother was a tailor. As a child she played under the sewing machine; now she makes bags and aprons on it."},
		},
		more: []bi{
			{"手工的东西，颜色和尺寸每件都有一点不同。", "Handmade things differ a little in colour and size, each from the next."},
			{"可以定做：\n\n- 围巾的长度\n- 包的颜色\n- 绣上名字（加十块）", "Made to order:\n\n- the length of a scarf\n- the colour of a bag\n- a name embroidered (ten yuan more)"},
		},
		goods: []string{"textiles", "textiles", "wood"}},
	{alley: "crafts", sex: man, call: bi{"{s}叔", "Uncle {s}"},
		names: []bi{{"{s}叔的木头", "Uncle {s}'s Woodshop"}, {"刨花", "Wood Shavings"}, {"一块木头", "One Piece of Wood"}},
		intro: []bi{
			{"{who}当了一辈子木匠，退休后还是闲不住。他用老房子拆下来的木料做勺子、砧板和小板凳。",
				"{who} was a carpenter all his life and could not stop when he retired. He makes spoons, chopping boards and stools from timber salvaged from old houses."},
		},
		more: []bi{
			{"每件东西背后都写着木头的来历：哪条路、哪栋房子、哪一年。", "On the back of each piece is where its wood came from: which road, which house, which year."},
			{"用**食用油**擦一擦，木头会越用越好看。", "Rub it with a little **cooking oil** now and then; wood gets better with use."},
		},
		goods: []string{"wood", "wood", "pottery"}},

	// Books.
	{alley: "books", sex: anyone, call: bi{"{s}老师", "Teacher {s}"},
		names: []bi{{"{s}老师的旧书", "Teacher {s}'s Old Books"}, {"书比人长寿", "Books Outlive Us"}, {"一箱旧书", "A Crate of Old Books"}},
		intro: []bi{
			{"{who}在中学教了三十八年语文，退休时家里的书堆到了天花板。老伴说：要么书走，要么我走。于是就有了这个旧书摊。",
				"{who} taught Chinese at a secondary school for thirty-eight years; by retirement the books reached the ceiling. \"Either the books go or I do,\" said the family. So there is this stall."},
			{"每本旧书里都夹着点什么：一张车票、一片银杏叶、一封没寄出去的信。{who}从来不拿出来。",
				"Every old book holds something: a bus ticket, a ginkgo leaf, a letter never sent. {who} never takes them out."},
		},
		more: []bi{
			{"书按心情分类，不按字母：**下雨天读的**、**睡不着时读的**、**送给十五岁的自己的**。", "The books are sorted by mood, not by letter: **for rainy days**, **for sleepless nights**, **for your fifteen-year-old self**."},
			{"可以换书：带一本来，拿一本走。", "Swaps welcome: bring one, take one."},
			{"书单在[这里](https://example.org/stalls/old-books/list)，每周更新。", "The list is [here](https://example.org/stalls/old-books/list), updated weekly."},
		},
		goods: []string{"books", "books", "books", "comics"}},
	{alley: "books", sex: man, call: bi{"小{s}", "{g}"},
		names: []bi{{"连环画与旧杂志", "Picture Books & Old Magazines"}, {"小人书", "Little People's Books"}, {"The Second-Hand Shelf", "The Second-Hand Shelf"}},
		intro: []bi{
			{"{who}小时候最大的愿望，是把弄堂口小人书摊上的书全部看完。现在他自己摆了一个。",
				"As a boy, {who}'s dream was to read every book at the picture-book stall at the end of the lane. Now he keeps one himself."},
			{"大学毕业那年，{who}在旧书店里找到一本{year}年的《大众电影》，从此开始收旧杂志。",
				"The year he graduated, {who} found a {year} copy of Popular Cinema in a second-hand bookshop and has collected old magazines ever since."},
		},
		more: []bi{
			{"连环画一毛钱看一本的规矩还留着：**坐在小板凳上看，免费**。", "The old rule stands: **sit on the little stool and read for free**."},
			{"有些杂志缺了几期，如果你家里有，欢迎来换。", "Some runs of magazines have gaps; if you have the missing issues at home, let's swap."},
		},
		goods: []string{"comics", "books", "comics"}},

	// Plants.
	{alley: "plants", sex: woman, call: bi{"{s}阿姨", "Auntie {s}"},
		names: []bi{{"{s}阿姨的绿植角", "Auntie {s}'s Green Corner"}, {"窗台上的森林", "A Forest on the Windowsill"}, {"一盆绿", "Something Green"}},
		intro: []bi{
			{"{who}家的窗台、楼道、屋顶都是植物。她从不买苗，全是一枝一叶扦插出来的，然后分给邻居，再分给市集上的人。",
				"{who}'s windowsills, stairwell and roof are full of plants. She never buys seedlings; everything is grown from cuttings and given to neighbours, and now to the market."},
		},
		more: []bi{
			{"每盆都附一张手写的卡片：多久浇一次水，喜不喜欢太阳。", "Every pot comes with a handwritten card: how often to water, how much sun it likes."},
			{"养死了不要紧，**拿回来我帮你看看**。", "If it dies, never mind — **bring it back and I'll have a look**."},
		},
		goods: []string{"plants", "plants", "herbs", "flowers"}},
	{alley: "plants", sex: anyone, call: bi{"{g}", "{g}"},
		names: []bi{{"阳台菜园", "Balcony Garden"}, {"多肉小铺", "Tiny Succulents"}, {"{g}的苗", "{g}'s Seedlings"}},
		intro: []bi{
			{"{who}在{place}的屋顶上种菜：番茄、罗勒、薄荷、小葱。多出来的苗就带到市集上来。",
				"{who} grows vegetables on a roof on {place}: tomatoes, basil, mint, spring onions. The extra seedlings come to the market."},
			{"{who}的多肉是从一片叶子开始的。{yrs}年以后，阳台上已经放不下了。", "{who}'s succulents began with a single leaf. {yrs} years later the balcony is full."},
		},
		more: []bi{
			{"种菜小贴士：\n\n- 薄荷要单独一盆，不然它会占满所有地方\n- 番茄要晒足太阳\n- 罗勒掐了尖才会长得密", "Tips:\n\n- give mint its own pot or it takes over everything\n- tomatoes want all the sun they can get\n- pinch basil's tips and it grows bushy"},
			{"空花盆欢迎拿回来。", "Empty pots are welcome back."},
		},
		goods: []string{"herbs", "plants", "herbs"}},

	// Inventors.
	{alley: "inventors", sex: man, call: bi{"{s}工", "Engineer {s}"},
		names: []bi{{"{s}工的发明", "Engineer {s}'s Inventions"}, {"退休工程师的车库", "The Retired Engineer's Garage"}, {"没用但有趣", "Useless but Fun"}},
		intro: []bi{
			{"{who}在机床厂做了一辈子工程师。退休以后，他在车库里造了一台自动剥毛豆机、一个会浇花的机器人，还有一辆能给手机充电的自行车。",
				"{who} was an engineer at a machine-tool factory all his life. Retired, he built an automatic edamame sheller in his garage, a robot that waters the flowers and a bicycle that charges your phone."},
			{"“老伴说我造的东西都没用。可是有用的东西，商店里都有卖啊。”{who}说。",
				"\"My wife says nothing I make is useful. But the useful things are all in the shops already,\" says {who}."},
		},
		more: []bi{
			{"每台机器都能现场演示。**小朋友可以动手摸**，大人要排队。", "Every machine can be demonstrated on the spot. **Children may touch**; grown-ups queue."},
			{"图纸免费送，在[这里下载](https://example.org/stalls/inventions/plans)。", "The drawings are free: [download them here](https://example.org/stalls/inventions/plans)."},
			{"他正在做的：\n\n- 会自己翻页的乐谱架\n- 下雨自动收衣服的晾衣架\n- 给猫用的自动门", "Work in progress:\n\n- a music stand that turns its own pages\n- a laundry rack that comes in when it rains\n- an automatic door for the cat"},
		},
		goods: []string{"inventions", "inventions", "upcycled"}},
	{alley: "inventors", sex: anyone, call: bi{"{g}", "{g}"},
		names: []bi{{"{g}的奇怪机器", "{g}'s Odd Machines"}, {"旧零件新生命", "New Lives for Old Parts"}, {"螺丝钉", "The Screw"}},
		intro: []bi{
			{"{who}白天写代码，晚上焊电路板。她把旧收音机改成蓝牙音箱，把自行车零件做成台灯。",
				"{who} writes software by day and solders circuit boards by night. She turns old radios into Bluetooth speakers and bicycle parts into lamps."},
			{"{who}说，每个坏掉的东西里面都藏着一个新东西，只要你肯拆开看看。", "Inside every broken thing, says {who}, there is a new one, if you are willing to open it up."},
		},
		more: []bi{
			{"坏了的小电器可以拿来，**修不好不收钱**。", "Bring your broken small appliances; **no fix, no fee**."},
			{"所有电路图都开源，放在[这里](https://example.org/stalls/odd-machines/source)。", "All the circuits are open source, [here](https://example.org/stalls/odd-machines/source)."},
		},
		goods: []string{"upcycled", "inventions", "radio"}},

	// Kids.
	{alley: "kids", sex: man, call: bi{"{s}爷爷", "Grandpa {s}"},
		names: []bi{{"{s}爷爷的童年玩具", "Toys from Grandpa {s}'s Childhood"}, {"铁皮青蛙", "The Tin Frog"}, {"弄堂游戏", "Lane Games"}},
		intro: []bi{
			{"铁皮青蛙、玻璃弹珠、鸡毛毽子……{who}小时候玩的东西，他一样一样又做了出来，或者从旧货市场淘回来。",
				"Tin frogs, glass marbles, feather shuttlecocks… the toys {who} played with as a boy, he has made again one by one or found at flea markets."},
		},
		more: []bi{
			{"他还会教小朋友跳房子、翻花绳、滚铁环。**每周六上午十点**。", "He teaches hopscotch, cat's cradle and hoop rolling too. **Saturdays at ten.**"},
			{"玩具都可以先玩再买。", "Every toy can be played with before you buy."},
		},
		goods: []string{"toys", "toys", "comics"}},
	{alley: "kids", sex: woman, call: bi{"{s}{g}", "{g} {s}"},
		names: []bi{{"小朋友换换摊", "Kids' Swap Table"}, {"{g}手作布偶", "{g}'s Rag Dolls"}, {"长大了", "Grown Out Of"}},
		intro: []bi{
			{"孩子长得太快，衣服、书、玩具，还新着就用不上了。{who}开了这个摊，让它们去下一个小朋友家里。",
				"Children grow too fast: clothes, books and toys are outgrown while still new. {who} started this stall so they can go on to the next child."},
			{"{who}用家里的旧衣服做布娃娃，每个娃娃都有名字和生日。", "{who} makes rag dolls from the family's old clothes; every doll has a name and a birthday."},
		},
		more: []bi{
			{"**大部分东西可以换**，小朋友自己来挑、自己来换。", "**Most things are for swapping**, and children choose and swap for themselves."},
			{"换物规则：\n\n- 一件换一件\n- 坏了的不换\n- 大人不许插手", "Swap rules:\n\n- one for one\n- nothing broken\n- grown-ups keep out of it"},
		},
		goods: []string{"toys", "kidsbooks", "toys"}},
}

// archetypesOf returns the archetypes of alley index a.
func archetypesOf(a int) []*archetype {
	var out []*archetype
	for i := range archetypes {
		if archetypes[i].alley == alleys[a].slug {
			out = append(out, &archetypes[i])
		}
	}
	return out
}

// stallVars returns the template values of a stall: {who}, {g}, {s} and
// {row}, the double row of the floor plan it stands in.
func stallVars(s *stallPlan) map[string]bi {
	g := s.who.given
	sur := s.who.surname
	who := bi{
		zh: strings.NewReplacer("{s}", sur.zh, "{g}", g.zh).Replace(s.arch.call.zh),
		en: strings.NewReplacer("{s}", sur.en, "{g}", g.en).Replace(s.arch.call.en),
	}
	row := strconv.Itoa(s.spot.Y/3 + 1)
	return map[string]bi{"who": who, "g": g, "s": sur, "row": {row, row}}
}

// stallWords returns the stall's name and its Markdown story.
func stallWords(s *stallPlan) (name, story string) {
	rng := rand.New(rand.NewPCG(s.seed, 1))
	w := newWords(rng, stallVars(s))
	name = w.write(pick(rng, s.arch.names), s.voice, " · ")

	var paras []string
	add := func(t bi) {
		switch s.voice {
		case voiceBoth:
			w.lang = 0
			zh := w.expand(t)
			w.lang = 1
			paras = append(paras, zh, w.expand(t))
		default:
			paras = append(paras, w.write(t, s.voice, ""))
		}
	}
	add(pick(rng, s.arch.intro))
	more := rng.Perm(len(s.arch.more))[:1+rng.IntN(len(s.arch.more))]
	for _, i := range more {
		add(s.arch.more[i])
	}
	if rng.IntN(3) > 0 {
		add(bi{"我们在市集第 {row} 排。{bye}", "Find us in row {row} of the market. {bye}"})
	}
	return name, strings.Join(paras, "\n\n")
}
