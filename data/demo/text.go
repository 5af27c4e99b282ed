package demo

import (
	"math/rand/v2"
	"strconv"
	"strings"
)

// bi is a text in Chinese and in English.
type bi struct{ zh, en string }

// in returns the text in lang (0 Chinese, 1 English).
func (b bi) in(lang int) string {
	if lang == 1 {
		return b.en
	}
	return b.zh
}

// sex says which given names suit a stallholder.
type sex uint8

const (
	anyone sex = iota
	woman
	man
)

// person is a stallholder.
type person struct {
	surname, given bi
	sex            sex
	handle         string
}

var surnames = []bi{
	{"王", "Wang"}, {"李", "Li"}, {"张", "Zhang"}, {"刘", "Liu"}, {"陈", "Chen"}, {"杨", "Yang"}, {"黄", "Huang"},
	{"赵", "Zhao"}, {"吴", "Wu"}, {"周", "Zhou"}, {"徐", "Xu"}, {"孙", "Sun"}, {"马", "Ma"}, {"朱", "Zhu"},
	{"胡", "Hu"}, {"郭", "Guo"}, {"何", "He"}, {"林", "Lin"}, {"罗", "Luo"}, {"高", "Gao"}, {"郑", "Zheng"},
	{"梁", "Liang"}, {"谢", "Xie"}, {"宋", "Song"}, {"唐", "Tang"}, {"韩", "Han"}, {"冯", "Feng"}, {"邓", "Deng"},
	{"曹", "Cao"}, {"彭", "Peng"}, {"沈", "Shen"}, {"蒋", "Jiang"}, {"陆", "Lu"}, {"顾", "Gu"}, {"钱", "Qian"},
	{"金", "Jin"}, {"范", "Fan"}, {"俞", "Yu"}, {"汪", "Wang"}, {"邵", "Shao"},
}

var womensNames = []bi{
	{"秀英", "Xiuying"}, {"桂兰", "Guilan"}, {"美玲", "Meiling"}, {"丽华", "Lihua"}, {"海燕", "Haiyan"},
	{"文静", "Wenjing"}, {"雨桐", "Yutong"}, {"佳怡", "Jiayi"}, {"春花", "Chunhua"}, {"玉兰", "Yulan"},
	{"爱萍", "Aiping"}, {"淑芬", "Shufen"}, {"小芳", "Xiaofang"}, {"晓燕", "Xiaoyan"}, {"静怡", "Jingyi"},
	{"梦琪", "Mengqi"}, {"凤英", "Fengying"}, {"素珍", "Suzhen"}, {"一诺", "Yinuo"}, {"思琪", "Siqi"},
}

var mensNames = []bi{
	{"建国", "Jianguo"}, {"志强", "Zhiqiang"}, {"国华", "Guohua"}, {"浩然", "Haoran"}, {"思远", "Siyuan"},
	{"德明", "Deming"}, {"振华", "Zhenhua"}, {"卫东", "Weidong"}, {"永福", "Yongfu"}, {"宏伟", "Hongwei"},
	{"子轩", "Zixuan"}, {"俊杰", "Junjie"}, {"立新", "Lixin"}, {"海涛", "Haitao"}, {"家豪", "Jiahao"},
	{"明哲", "Mingzhe"}, {"庆生", "Qingsheng"}, {"红军", "Hongjun"}, {"宇航", "Yuhang"}, {"长林", "Changlin"},
}

// newPerson makes up stallholder number n. Handles look like xiuying_wang42:
// the number keeps them unique and apart from any name a person would pick.
func newPerson(rng *rand.Rand, s sex, n int) person {
	if s == anyone {
		s = woman + sex(rng.IntN(2))
	}
	p := person{surname: pick(rng, surnames), sex: s}
	if s == woman {
		p.given = pick(rng, womensNames)
	} else {
		p.given = pick(rng, mensNames)
	}
	p.handle = strings.ToLower(p.given.en) + "_" + strings.ToLower(p.surname.en) + strconv.Itoa(n)
	return p
}

// displayName is the name the stallholder shows, in the stall's voice.
func (p person) displayName(v voice) string {
	zh, en := p.surname.zh+p.given.zh, p.given.en+" "+p.surname.en
	switch v {
	case voiceZh:
		return zh
	case voiceEn:
		return en
	}
	return zh + " " + en
}

// tables are the words templates draw from: {key} in a template is replaced
// by one entry, the same one in both languages and wherever the key appears
// again in the same stall's or item's words.
var tables = map[string][]bi{
	"dec": {{"五十年代", "1950s"}, {"六十年代", "1960s"}, {"七十年代", "1970s"}, {"八十年代", "1980s"}, {"八十年代", "1980s"}, {"九十年代", "1990s"}},
	"own": {{"外婆", "my grandmother"}, {"奶奶", "my grandma"}, {"外公", "my grandfather"}, {"爷爷", "my grandpa"},
		{"一位老邻居", "an old neighbour"}, {"舅舅", "my uncle"}, {"隔壁阿姨", "the auntie next door"}, {"我爸", "my dad"},
		{"我妈", "my mum"}, {"一位退休的老教授", "a retired professor"}, {"弄堂口的老裁缝", "the old tailor at the end of the lane"}},
	"owns": {{"外婆的", "Grandma's"}, {"奶奶的", "Granny's"}, {"外公的", "Grandpa's"}, {"爷爷的", "Grandad's"},
		{"老邻居的", "A neighbour's"}, {"舅舅的", "My uncle's"}, {"我妈的", "Mum's"}, {"老裁缝的", "The old tailor's"}},
	"col": {{"红", "red"}, {"蓝", "blue"}, {"白", "white"}, {"绿", "green"}, {"黄", "yellow"}, {"粉", "pink"},
		{"紫", "purple"}, {"橙", "orange"}, {"米白", "cream"}},
	"city": {{"苏州", "Suzhou"}, {"杭州", "Hangzhou"}, {"宁波", "Ningbo"}, {"景德镇", "Jingdezhen"}, {"北京", "Beijing"},
		{"广州", "Guangzhou"}, {"天津", "Tianjin"}, {"青岛", "Qingdao"}, {"哈尔滨", "Harbin"}, {"成都", "Chengdu"},
		{"昆明", "Kunming"}, {"厦门", "Xiamen"}, {"绍兴", "Shaoxing"}, {"扬州", "Yangzhou"}},
	"hot": {{"成都", "Chengdu"}, {"重庆", "Chongqing"}, {"长沙", "Changsha"}, {"贵阳", "Guiyang"}, {"湘西", "western Hunan"}},
	"place": {{"梧桐里", "Wutong Lane"}, {"武康路", "Wukang Road"}, {"永嘉路", "Yongjia Road"}, {"天平路", "Tianping Road"},
		{"复兴西路", "Fuxing West Road"}, {"桃江路", "Taojiang Road"}, {"康平路", "Kangping Road"}, {"湖南路", "Hunan Road"}},
	"day": {{"周六上午", "Saturday morning"}, {"周五晚上", "Friday evening"}, {"周六", "Saturday"}, {"周日上午", "Sunday morning"}},
	"cond": {{"九成新", "nearly new"}, {"有使用痕迹，但很干净", "used, but clean"}, {"品相很好", "in very good shape"},
		{"有一两处小磕碰", "a chip or two"}, {"还能正常使用", "still works"}, {"老东西该有的样子", "as old things should be"}},
	"when": {{"去年冬天", "last winter"}, {"前年搬家的时候", "when we moved two years ago"}, {"上个月", "last month"},
		{"清明回老家的时候", "on a visit home at Qingming"}, {"一个下雨的周六", "one rainy Saturday"}, {"春节大扫除的时候", "during the New Year clean"}},
	"bye": {{"周六见！", "See you on Saturday!"}, {"慢慢逛，不着急。", "Take your time, there is no hurry."},
		{"来了就聊两句吧。", "Stop by and have a chat."}, {"**下个星期六再见。**", "**See you next Saturday.**"},
		{"有问题在下面留言，我每天晚上看。", "Leave a question below; I read them every evening."}},
}

// words expands templates for one stall or item, in one language.
type words struct {
	rng  *rand.Rand
	lang int            // 0 Chinese, 1 English
	vars map[string]bi  // fixed values: {t} the thing, {who} the stallholder …
	memo map[string]int // the entry chosen for each table key
	nums map[string]string
}

func newWords(rng *rand.Rand, vars map[string]bi) *words {
	return &words{rng: rng, vars: vars, memo: map[string]int{}, nums: map[string]string{}}
}

// numbers are the keys for made-up numbers and their ranges.
var numbers = map[string][2]int{
	"n": {2, 9}, "nn": {12, 60}, "year": {1956, 1999}, "yrs": {3, 38}, "cm": {8, 60}, "row": {1, 30},
}

// expand replaces every {key} in t (in the language of w) and returns it.
func (w *words) expand(t bi) string {
	s := t.in(w.lang)
	if !strings.Contains(s, "{") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			break
		}
		b.WriteString(s[:i])
		b.WriteString(w.value(s[i+1 : i+j]))
		s = s[i+j+1:]
	}
	b.WriteString(s)
	return b.String()
}

func (w *words) value(key string) string {
	if v, ok := w.vars[key]; ok {
		return v.in(w.lang)
	}
	if r, ok := numbers[key]; ok {
		if v, ok := w.nums[key]; ok {
			return v
		}
		v := strconv.Itoa(r[0] + w.rng.IntN(r[1]-r[0]+1))
		w.nums[key] = v
		return v
	}
	tab, ok := tables[key]
	if !ok {
		panic("demo: no words for {" + key + "}")
	}
	i, ok := w.memo[key]
	if !ok {
		i = w.rng.IntN(len(tab))
		w.memo[key] = i
	}
	return tab[i].in(w.lang)
}

// write expands t in the voice v: Chinese, English, or Chinese then English
// joined by sep.
func (w *words) write(t bi, v voice, sep string) string {
	switch v {
	case voiceZh:
		w.lang = 0
		return w.expand(t)
	case voiceEn:
		w.lang = 1
		return w.expand(t)
	}
	w.lang = 0
	zh := w.expand(t)
	w.lang = 1
	if en := w.expand(t); en != zh {
		return zh + sep + en
	}
	return zh
}
