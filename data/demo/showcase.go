package demo

// showcaseItem is a hand-written item: the first item of the first stalls of
// its alley is one of these, so every demo holds them (and searches for
// 自行车, bicycle, 旧书 and 花 always find something).
type showcaseItem struct {
	alley string
	kind  string // the goods it is, for its photos
	title bi
	story bi
	tags  []string
	minor int64 // price in fen; 0 is "ask"
	qty   int
}

var showcase = []showcaseItem{
	{alley: "vintage", kind: "bikes", title: bi{"八十年代凤凰牌自行车铃", "1980s Phoenix bicycle bell"},
		story: bi{
			"这只自行车铃是从一辆凤凰牌二八大杠上拆下来的。车早就不在了，铃还响得很清脆——叮铃铃，整条弄堂都听得见。\n\n" +
				"外婆说，八十年代结婚讲究“三转一响”：自行车、缝纫机、手表，再加一台收音机。这只铃是那辆自行车上唯一留下来的东西。\n\n" +
				"- 成色：有划痕，没有锈\n- 声音：**非常响**\n- 自取：周六上午\n\n装在哪辆自行车上都行，我帮你装。",
			"This bell comes off a Phoenix 28-inch bicycle. The bicycle is long gone; the bell still rings clear enough to be heard down the whole lane.\n\n" +
				"In the 1980s, my grandmother says, a couple getting married wanted \"three things that turn and one that sings\": a bicycle, a sewing machine, a watch — and a radio. This bell is all that is left of that bicycle.\n\n" +
				"- Condition: scratched, no rust\n- Sound: **very loud**\n- Pick-up: Saturday morning\n\nIt fits any bicycle, and I'll fit it for you.",
		},
		tags: []string{"旧物", "vintage", "自行车", "bicycle"}, minor: 4500, qty: 1},
	{alley: "vintage", kind: "vintage", title: bi{"外婆的搪瓷杯", "Grandma's enamel mug"},
		story: bi{
			"白底红字，印着“先进生产者 1978”。外婆在纺织厂上了三十年班，这只杯子跟了她三十年。\n\n杯沿磕掉了一小块，她用了一辈子也没舍得换。现在她跟我们住，说杯子应该去一个会用它喝茶的人家里。",
			"White with red letters: \"Model Worker 1978\". My grandmother worked thirty years at a cotton mill, and this mug went with her every day.\n\n" +
				"There is a chip on the rim she never minded. She lives with us now and says the mug should go to someone who will drink tea from it.",
		},
		tags: []string{"旧物", "vintage", "搪瓷", "enamel"}, minor: 6800, qty: 1},
	{alley: "books", kind: "books", title: bi{"一箱旧书：《十万个为什么》", "A crate of old books: One Hundred Thousand Whys"},
		story: bi{
			"七八十年代的《十万个为什么》，一共十四本，缺第九本。是我小时候一本一本攒下来的，每本的扉页上都写着买书的日期。\n\n" +
				"**为什么天是蓝的？为什么猫的眼睛晚上会发光？**小时候的问题，答案都在这箱旧书里。\n\n想整箱带走的话可以便宜，也欢迎拿别的旧书来换。",
			"One Hundred Thousand Whys from the 1970s and 80s: fourteen volumes, number nine missing. I saved up for them one by one as a child; each flyleaf has the date I bought it.\n\n" +
				"**Why is the sky blue? Why do cats' eyes shine at night?** Every childhood question has its answer in this crate of old books.\n\n" +
				"Cheaper if you take the whole crate; swaps for other old books welcome.",
		},
		tags: []string{"旧书", "old-books", "书", "books"}, minor: 12000, qty: 1},
	{alley: "flowers", kind: "flowers", title: bi{"阳台上的茉莉花", "Jasmine from the balcony"},
		story: bi{
			"好一朵茉莉花。这盆茉莉在我家阳台上养了十一年，每年夏天开满一整盆，晚上整个楼道都是香的。\n\n今天剪了一小把带过来，可以插瓶，也可以放在枕边。",
			"The jasmine on my balcony is eleven years old. Every summer it covers itself in flowers and the whole stairwell smells of it at night.\n\n" +
				"I've cut a small bunch this morning: put it in water, or by your pillow.",
		},
		tags: []string{"花", "flowers", "茉莉", "jasmine"}, minor: 1500, qty: 8},
	{alley: "inventors", kind: "inventions", title: bi{"自行车发电收音机", "Bicycle-powered radio"},
		story: bi{
			"把一台旧收音机接在自行车的后轮上：踩得越快，声音越大。停下来，它就安静了。\n\n" +
				"做这个是因为我家老头子说锻炼太无聊。现在他每天早上骑四十分钟，听完一整段评弹。\n\n" +
				"材料：\n\n- 一台红灯牌收音机\n- 一个自行车摩电灯的发电机\n- 一个旧自行车架\n\n图纸在[这里](https://example.org/stalls/inventions/plans)。",
			"An old radio wired to the back wheel of a bicycle: the faster you pedal, the louder it plays. Stop, and it falls silent.\n\n" +
				"I built it because my husband said exercise was boring. Now he pedals forty minutes every morning, through a whole pingtan episode.\n\n" +
				"Made of:\n\n- a Red Lantern radio\n- a bicycle dynamo\n- an old bicycle frame\n\nThe drawings are [here](https://example.org/stalls/inventions/plans).",
		},
		tags: []string{"发明", "inventions", "自行车", "bicycle"}, minor: 0, qty: 1},
	{alley: "food", kind: "snacks", title: bi{"荠菜大馄饨", "Shepherd's purse wontons"},
		story: bi{
			"春天的第一茬荠菜，周四在郊区田埂上挖的。一碗十二只，汤里放紫菜和虾皮。\n\n生的可以带回家冻着，一份二十只。",
			"The first shepherd's purse of spring, picked on Thursday along the field edges outside the city. Twelve to a bowl, with seaweed and dried shrimp in the broth.\n\n" +
				"Raw ones to freeze at home come twenty to a bag.",
		},
		tags: []string{"小吃", "food", "馄饨", "wontons"}, minor: 1800, qty: 40},
	{alley: "crafts", kind: "pottery", title: bi{"手拉坯青瓷杯", "Hand-thrown celadon cup"},
		story: bi{
			"青瓷釉最难烧：温度差二十度，颜色就从湖水绿变成橄榄黄。这一只是这个月唯一一只颜色刚刚好的。\n\n握在手里正好一掌，适合喝茶。",
			"Celadon is the hardest glaze to fire: twenty degrees either way and lake-green turns olive. This is the only cup this month that came out just right.\n\n" +
				"It fits the palm of a hand; made for tea.",
		},
		tags: []string{"手作", "handmade", "陶瓷", "ceramics"}, minor: 16800, qty: 1},
	{alley: "plants", kind: "herbs", title: bi{"薄荷苗，送给窗台", "Mint seedlings for your windowsill"},
		story: bi{"屋顶上的薄荷长疯了，分出来的苗都种在回收的酸奶杯里。泡茶、做菜、夏天泡水喝。", "The mint on the roof has run wild. The spare plants are in old yoghurt pots: for tea, for cooking, for a glass of water in summer."},
		tags:  []string{"绿植", "plants", "薄荷", "mint"}, minor: 500, qty: 25},
	{alley: "kids", kind: "toys", title: bi{"会跳的铁皮青蛙", "A wind-up tin frog that really jumps"},
		story: bi{"拧三圈，它就跳三步。小时候在弄堂里，谁有一只铁皮青蛙，谁就是孩子王。", "Three turns of the key, three hops. In the lanes when we were small, whoever had a tin frog was king of the children."},
		tags:  []string{"童趣", "kids", "玩具", "toys"}, minor: 1200, qty: 3},
}

// showcaseFor returns the showcase item for the n-th stall (0 the first) to
// come to alley a, or -1.
func showcaseFor(a, n int) int {
	for i, s := range showcase {
		if s.alley != alleys[a].slug {
			continue
		}
		if n == 0 {
			return i
		}
		n--
	}
	return -1
}
