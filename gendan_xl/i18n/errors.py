"""What a failure says: the one line of an input we cannot use (errors.GendanError.said), in zh and en.

Each names the file and the fix. The English is also the exception's `str()` (logs, tracebacks under --debug);
the command line prints the run's language (`GendanError.message(lang)`). Errors not yet in this table say
their English text in both languages.
"""
from __future__ import annotations

from gendan_xl.i18n import Texts

ERRORS: Texts = {
    'no-such-file': ('{name}：文件不存在',
      '{name}: no such file'),
    'is-folder': ('{name}：这是文件夹，不是工作簿',
      '{name}: is a folder, not a workbook'),
    'not-regular': ('{name}：不是普通文件',
      '{name}: not a regular file'),
    'cannot-open': ('{name}：无法打开（{why}）',
      '{name}: cannot be opened ({why})'),
    'cannot-read': ('{name}：无法读取（{why}）',
      '{name}: cannot be read ({why})'),
    'permission': ('{name}：没有读取权限；请向文件所有者申请读取权限，或复制到自己能读取的位置',
      '{name}: permission denied; ask for read access to the file or copy it somewhere you can read it'),
    'too-big': ('{name}：文件 {mb} MB，超过 {limit} MB 的上限（[limits] max_part_mb）',
      '{name}: {mb} MB is more than the {limit} MB limit ([limits] max_part_mb)'),
    'password': ('{name}：有打开密码；请另存一份不带密码的副本再试',
      '{name}: password protected; save a copy without a password to open'),
    'legacy-xls': ('{name}：这是旧版 .xls 工作簿；请在 Excel 中打开并另存为 .xlsx',
      '{name}: a legacy .xls workbook; open it in Excel and save it as .xlsx'),
    'legacy-xls-renamed': ('{name}：这是改名为 {suffix} 的旧版 .xls 工作簿；请在 Excel 中打开并另存为 .xlsx',
      '{name}: a legacy .xls workbook renamed {suffix}; open it in Excel and save it as .xlsx'),
    'not-workbook': ('{name}：不是工作簿（不是 .xlsx/.xlsm 压缩包）',
      '{name}: not a workbook (not an .xlsx/.xlsm zip file)'),
    'corrupt-zip': ('{name}：文件已损坏（{why}）；请在 Excel 中打开并重新保存',
      '{name}: corrupt zip ({why}); open and re-save it in Excel'),
    'no-sheet': ('{name} 中没有工作表“{sheet}”（现有：{found}）；请用 --sheet 指定',
      '{name} has no sheet "{sheet}" (found: {found}); pass --sheet'),
    'no-header-row': ('{name}：工作表“{sheet}”前 {rows} 行中找不到含 {names} 的表头行（找到的表头：{found}）；'
                      '请检查列标题，或在 gendan.toml 的 [columns] 中映射你的标题',
      '{name}: sheet "{sheet}" has no header row with {names} in its first {rows} rows (headers found: {found}); '
      'check the column titles, or map yours in gendan.toml [columns]'),
    'no-column': ('{name}：工作表“{sheet}”没有 {names} 列（第 {row} 行的表头：{found}）；请加上这一列，'
                  '或在 gendan.toml 的 [columns] 中映射你的标题：{lines}',
      '{name}: sheet "{sheet}" has no {names} column (headers found in row {row}: {found}); add the column, or '
      'map yours in gendan.toml [columns]: {lines}'),
    'header-two-rows': ('{name}：工作表“{sheet}”的表头分在两行（第 {row} 行：{found}；第 {other} 行：{other_found}），'
                        'gendan-xl 只读一行表头：请把各列的名称写进同一行（合并的单元格先取消合并），或删去分组标题那一行',
      '{name}: sheet "{sheet}" has its headers in two rows (row {row}: {found}; row {other}: {other_found}) and '
      'gendan-xl reads one header row: put every column\'s name in one row (unmerge merged cells first), or '
      'delete the row of group titles'),
    'no-due-column': ('{name}：工作表“{sheet}”没有 客户交期 / 工厂交期 列；计算交期状态需要其中之一',
      '{name}: sheet "{sheet}" has no 客户交期 / 工厂交期 (due date) column; status needs one'),
    'is-open': ('{name} 正在 Excel 或 LibreOffice 中打开（存在 {lock}）；请关闭后重试，或改写 {sidecar}',
      '{name} is open in Excel or LibreOffice ({lock} exists); close it and run again, or write {sidecar} instead'),
    'read-only': ('{name} 是只读文件，未刷新；请取消只读属性（文件属性，或 chmod u+w）后重试',
      '{name} is read-only, so it is not refreshed; clear its read-only setting (file properties, or chmod u+w) '
      'and run again'),
    'signed': ('{name} 带有数字签名，刷新会破坏签名；请刷新一份副本，或加 --force 刷新并去掉签名',
      '{name} is digitally signed and a refresh would break the signature; refresh a copy, or pass --force to '
      'refresh it and drop the signature'),
    'no-company': ('{document}：没有可打印的公司名称；请在 gendan.toml 的 [company] 中设置 name（以及 name_en、'
                   'address、tel、email 和 bank_* 项）——发给客户的单据绝不空白发出',
      '{document}: no company name to print; set [company] name (and name_en, address, tel, email, the bank_* '
      'keys) in gendan.toml — a customer document is never sent blank'),
    'no-logo': ('{document}：[company] logo = {logo}：文件不存在；请给出 PNG 或 JPEG 图片的路径，或删掉这一行',
      '{document}: [company] logo = {logo}: no such file; give the path of a PNG or JPEG image, or remove the line'),
    'part-too-big': ('{name}：部件 {part} 解压后有 {mb} MB，超过 {limit} MB 的上限（[limits] max_part_mb）；'
                     '疑为压缩炸弹（zip bomb），拒绝读取',
      '{name}: part {part} would inflate to {mb} MB, more than the {limit} MB limit ([limits] max_part_mb); '
      'refused as a possible zip bomb'),
    'part-ratio': ('{name}：部件 {part} 解压后是压缩大小的 {ratio} 倍，超过允许的 {limit} 倍（[limits] max_ratio）；'
                   '疑为压缩炸弹（zip bomb），拒绝读取',
      '{name}: part {part} inflates {ratio} times its size, more than the {limit} allowed ([limits] max_ratio); '
      'refused as a possible zip bomb'),
    'part-lies': ('{name}：部件 {part} 解压后超出压缩包声明的大小；疑为压缩炸弹（zip bomb），拒绝读取',
      '{name}: part {part} inflates beyond the size the zip declares; refused as a possible zip bomb'),
    'bad-local-header': ('{name}：文件已损坏（{part} 的本地文件头有误）；请在 Excel 中打开并重新保存',
      '{name}: corrupt zip (bad local header for {part}); open and re-save it in Excel'),
    'odd-compression': ('{name}：部件 {part} 使用压缩方式 {method}，Excel 不会这样写；请在 Excel 中打开并重新保存',
      '{name}: part {part} uses compression method {method}, which Excel does not write; open and re-save it in '
      'Excel'),
    'damaged-part': ('{name}：部件 {part} 已损坏（大小或 CRC 不符）；请在 Excel 中打开并重新保存',
      '{name}: part {part} is damaged (its size or CRC does not match); open and re-save it in Excel'),
    'text-too-long': ('{where} 中有一段 {n:,} 个字符的文字，超过 Excel 单元格最多能放的 {limit:,} 个；拒绝读取',
      '{where} holds a text of {n:,} characters, more than the {limit:,} Excel allows in a cell; refused'),
    'sheet-unreadable': ('{name}：工作表 {sheet!r} 无法读取（{why}）',
      '{name}: sheet {sheet!r} cannot be read ({why})'),
    'sheet-corrupt': ('{name}：工作表 {sheet!r} 已损坏（{why}）',
      '{name}: sheet {sheet!r} is corrupt ({why})'),
    'no-workbook-part': ('{name}：不是工作簿（没有 xl/workbook.xml）',
      '{name}: not a workbook (no xl/workbook.xml)'),
    'xml-entities': ('{name}：拒绝读取：XML 中定义了实体（疑为 XML 炸弹）（{why}）',
      '{name}: refused: the XML uses entity definitions (an XML bomb?) ({why})'),
    'macro-sheet': ('{name}：含有 Excel 4 宏表，无法读取；请另存一份不含宏表的副本（{why}）',
      '{name}: has an Excel 4 macro sheet, which we cannot read; save a copy without it ({why})'),
    'corrupt-workbook': ('{name}：工作簿已损坏（{why}）；请在 Excel 中打开并重新保存',
      '{name}: corrupt workbook ({why}); open and re-save it in Excel'),
    'not-a-package': ('{name} 不是 .xlsx/.xlsm 文件包（已加密、已损坏或是其他格式）；请在 Excel 中另存为不带密码的 .xlsx',
      '{name} is not an .xlsx/.xlsm package (encrypted, corrupt or another format); save it from Excel as .xlsx '
      'without a password'),
    'no-workbook-in-package': ('{name} 中没有工作簿部件；请在 Excel 中另存为 .xlsx',
      '{name} has no workbook part; save it from Excel as .xlsx'),
    'damaged-package': ('{name} 已损坏（{why}）；请先在 Excel 中打开并保存',
      '{name} is damaged ({why}); open and save it in Excel first'),
    'not-a-worksheet': ('{name}：“{sheet}”是 {kind} 类型的表，不是普通工作表；请用 --sheet 指定一个工作表',
      '{name}: "{sheet}" is a {kind} sheet, not a worksheet; pass a worksheet with --sheet'),
    'missing-sheet-part': ('{name}：工作表“{sheet}”指向不存在的部件 {part}；请先在 Excel 中打开并保存',
      '{name}: sheet "{sheet}" points at missing part {part}; open and save it in Excel first'),
    'output-is-input': ('{name} 是输入文件；请把结果写到另一个文件',
      '{name} is an input; write the result to another file'),
    'output-open': ('{name} 正在打开（存在 {lock}）；请在 Excel 中关闭后重试',
      '{name} is open ({lock}); close it in Excel and run again'),
    # gendan.toml and GENDAN_* settings (ConfigError)
    'cfg-no-file': ('{path}：没有这个配置文件', '{path}: no such config file'),
    'cfg-env-no-file': ('GENDAN_CONFIG={path}：没有这个文件', 'GENDAN_CONFIG={path}: no such file'),
    'cfg-bad-toml': ('{path}：不是有效的 TOML（{why}）；请改正它指出的那一行',
      '{path}: not valid TOML ({why}); fix the line it names'),
    'cfg-unknown-section': ('{path}：未知的节 [{section}]；可用的节：{sections}',
      '{path}: unknown section [{section}]; sections: {sections}'),
    'cfg-unknown-keys': ('{path}：[{section}] 中有未知的键 {keys}；可用的键：{allowed}',
      '{path}: unknown key {keys} in [{section}]; allowed: {allowed}'),
    'cfg-must-be-int': ('{path}：[{section}] {key} 应为整数，而不是 {value!r}',
      '{path}: [{section}] {key} must be a whole number, not {value!r}'),
    'cfg-must-be-bool': ('{path}：[{section}] {key} 应为 true 或 false，而不是 {value!r}',
      '{path}: [{section}] {key} must be true or false, not {value!r}'),
    'cfg-must-be-list': ('{path}：[{section}] {key} 应为列表（[...]），而不是 {value!r}',
      '{path}: [{section}] {key} must be a list, not {value!r}'),
    'cfg-must-be-table': ('{path}：[{section}] {key} 应为表（如 {{ USD = 4, EUR = 4 }}），而不是 {value!r}',
      '{path}: [{section}] {key} must be a table ({{ USD = 4, EUR = 4 }}), not {value!r}'),
    'cfg-must-be-number': ('{path}：[{section}] {key} 应为数字，而不是 {value!r}',
      '{path}: [{section}] {key} must be a number, not {value!r}'),
    'cfg-must-be-text': ('{path}：[{section}] {key} 应为文字（加引号），而不是 {value!r}',
      '{path}: [{section}] {key} must be text, not {value!r}'),
    'cfg-at-least-0': ('{path}：[{section}] {key} 不能小于 0（现为 {value}）',
      '{path}: [{section}] {key} must be 0 or more, not {value}'),
    'cfg-one-of': ('{path}：[{section}] {key} 应为 {allowed} 之一，而不是 {value!r}',
      '{path}: [{section}] {key} must be one of {allowed}, not {value!r}'),
    'cfg-unit-places': ('{path}：[quotes] unit_places {code} 应为 0 到 6 的整数，而不是 {value!r}',
      '{path}: [quotes] unit_places {code} must be a whole number from 0 to 6, not {value!r}'),
    'cfg-company-table': ('{path}：[company] 应为一组键值（name = "..."）',
      '{path}: [company] must be a table of keys (name = "...")'),
    'cfg-tel-phone': ('{path}：[company] 的 tel 与 phone 不一致；请只保留一个',
      '{path}: [company] has tel and phone that differ; keep one'),
    'cfg-sign-off': ('{path}：[review] sign_off 应列出部门名称，而不是 {value!r}',
      '{path}: [review] sign_off must list department names, not {value!r}'),
    'cfg-paths': ('{path}：[workbook] paths 应为路径或通配符的列表，例如 '
                  'paths = ["订单/*.xlsx", "//server/share/张丽 订单.xlsx"]',
      '{path}: [workbook] paths must be a list of paths or globs, like '
      'paths = ["订单/*.xlsx", "//server/share/张丽 订单.xlsx"]'),
    'cfg-limits': ('{path}：[limits] 的值不能小于 1', '{path}: [limits] values must be 1 or more'),
    'cfg-owners': ('{path}：[owners] 把工作簿对应到跟单员，例如 "张丽*.xlsx" = "张丽"',
      '{path}: [owners] maps a workbook to its merchandiser, like "张丽*.xlsx" = "张丽"'),
    'cfg-password': ('{path}：请删除 [mail] password；改为在环境变量 GENDAN_SMTP_PASSWORD 中设置密码',
      '{path}: remove [mail] password; set GENDAN_SMTP_PASSWORD in the environment instead'),
    'init-exists': ('{path} 已存在；请直接编辑它，或在另一个文件夹运行 gendan-xl init',
      '{path} already exists; edit it, or run gendan-xl init in another folder'),
    # [mail] and GENDAN_SMTP_* / GENDAN_MAIL_* (ConfigError)
    'mail-timezone': ('[mail] timezone {zone!r} 不是本机认识的时区名称；请用 Asia/Shanghai 或 Asia/Hong_Kong 这样的名称',
      '[mail] timezone {zone!r} is not a time zone name this machine knows; use one like Asia/Shanghai or '
      'Asia/Hong_Kong'),
    'mail-transport': ('邮件发送方式 {value!r} 不是 {allowed} 之一；请设置 GENDAN_MAIL_TRANSPORT 或 gendan.toml 的 '
                       '[mail] transport',
      'mail transport {value!r} is not one of {allowed}; set GENDAN_MAIL_TRANSPORT or [mail] transport in gendan.toml'),
    'mail-security': ('SMTP 加密方式 {value!r} 不是 {allowed} 之一；请设置 GENDAN_SMTP_SECURITY 或 gendan.toml 的 '
                      '[mail] security',
      'SMTP security {value!r} is not one of {allowed}; set GENDAN_SMTP_SECURITY or [mail] security in gendan.toml'),
    'mail-budget': ('[mail] send_budget 应为大于 0 的秒数，例如 60，而不是 {value!r}',
      '[mail] send_budget must be a number of seconds above 0, like 60, not {value!r}'),
    'mail-plaintext': ('[mail] allow_plaintext_login 应为 true 或 false，而不是 {value!r}',
      '[mail] allow_plaintext_login must be true or false, not {value!r}'),
    'mail-statement-files': ('[mail] statement_files 应列出 pdf、xlsx 或两者，例如 ["pdf", "xlsx"]，而不是 {value!r}',
      '[mail] statement_files must list pdf, xlsx or both, like ["pdf", "xlsx"], not {value!r}'),
    'mail-reply-to': ('[mail] {setting}：{why}', '[mail] {setting}: {why}'),
    'mail-port': ('GENDAN_SMTP_PORT={value!r} 不是端口号；请用 465 或 587 这样的数字',
      'GENDAN_SMTP_PORT={value!r} is not a port number; use e.g. 465 or 587'),
    # the SMTP server and its settings (MailConfigError)
    'smtp-plaintext': ('SMTP 加密方式为 none，登录会把 {user!r} 的密码明文发给 {server}；请把 GENDAN_SMTP_SECURITY'
                       '（或 [mail] security）设为 starttls 或 ssl；只在可信的网络中，才可在 gendan.toml 的 [mail] 中设 '
                       'allow_plaintext_login = true',
      'SMTP security is none, so logging in would send the password of {user!r} unencrypted to {server}; set '
      'GENDAN_SMTP_SECURITY (or [mail] security) to starttls or ssl, or, only on a network you trust, set '
      'allow_plaintext_login = true in [mail] of gendan.toml'),
    'smtp-no-starttls': ('SMTP 服务器 {server} 不支持 STARTTLS；请设 GENDAN_SMTP_SECURITY=ssl（端口 465）或 none',
      'SMTP server {server} does not offer STARTTLS; set GENDAN_SMTP_SECURITY=ssl (port 465) or none'),
    'smtp-login-refused': ('SMTP 服务器 {server} 拒绝了 {user!r} 的登录（{code}）；请检查 GENDAN_SMTP_USER 和 '
                           'GENDAN_SMTP_PASSWORD',
      'SMTP server {server} refused the login of {user!r} ({code}); check GENDAN_SMTP_USER and GENDAN_SMTP_PASSWORD'),
    'smtp-login-ascii': ('SMTP 登录的用户名和密码只能是纯 ASCII 字符（Python smtplib 的限制）；请检查 GENDAN_SMTP_USER 和 '
                         'GENDAN_SMTP_PASSWORD',
      "SMTP login needs a user name and password in plain ASCII (a limit of Python's smtplib); check "
      "GENDAN_SMTP_USER and GENDAN_SMTP_PASSWORD"),
    'smtp-no-login': ('SMTP 服务器 {server} 在此不提供登录；请设 GENDAN_SMTP_SECURITY=starttls 或 ssl，或取消 '
                      'GENDAN_SMTP_USER',
      'SMTP server {server} offers no login here; use GENDAN_SMTP_SECURITY=starttls or ssl, or unset GENDAN_SMTP_USER'),
    'smtp-tls-failed': ('与 {server} 的 TLS 连接失败（{why}）；请检查 GENDAN_SMTP_SECURITY 和 GENDAN_SMTP_PORT',
      'TLS with {server} failed ({why}); check GENDAN_SMTP_SECURITY and GENDAN_SMTP_PORT'),
    # the command line: what to write where (UsageError and the like)
    'no-workbook-given': ('没有工作簿：请给出一个，或在 gendan.toml 的 [workbook] 中设置 path',
      'no workbook: pass one, or set [workbook] path in gendan.toml'),
    'no-such-workbook': ('{path}：没有这个工作簿；请给出一个，或在 gendan.toml 的 [workbook] 中设置 path',
      '{path}: no such workbook; pass one or set [workbook] path in gendan.toml'),
    'no-team-workbooks': ('没有工作簿：请给出一个，或在 gendan.toml 的 [workbook] 中设置 path 或 paths',
      'no workbooks: pass one or set [workbook] path or paths in gendan.toml'),
    'out-is-folder': ('{path} 是文件夹；请给输出文件一个文件名', '{path} is a folder; give a file name for the output'),
    'out-is-input': ('{path} 是本命令的输入文件；请把输出写到另一个文件',
      '{path} is an input of this command; write the output to another file'),
    'out-is-file': ('{path} 是文件；--out 需要一个文件夹', '{path} is a file; --out takes a folder'),
    'report-not-xlsx': ('{path}：问题报告是 Excel 文件；请以 .xlsx 结尾命名', '{path}: the Issues report is an Excel file; name it .xlsx'),
    'jobs-needs-name': ('jobs run 需要任务名称（见 gendan-xl jobs list）',
      "jobs run needs the job's name (see gendan-xl jobs list)"),
    'no-such-job': ('jobs/jobs.toml 中没有任务 {name!r}（现有任务：{jobs}）', 'no job {name!r} in jobs/jobs.toml (jobs: {jobs})'),
    'replace-refused': ('{name} 无法替换（是否在其他程序中打开？）；请关闭后重试，或改写 {sidecar}',
      '{name} cannot be replaced (open in another program?); close it and run again, or write {sidecar} instead'),
    # statements, quotes, reconciliation
    'no-customer': ('{name}：没有客户 {customer!r}（现有：{known}）；请用 --customer 指定其中一个',
      '{name}: no customer {customer!r} (known: {known}); pass --customer with one of them'),
    'no-statement-sheets': ('{name} 中没有“出货”/“Shipments”或“期初”/“Opening Balances”工作表（现有：{found}）；'
                            '加上它们才能出对账单',
      '{name} has no sheet "出货" / "Shipments" or "期初" / "Opening Balances" (found: {found}); add them to make '
      'statements'),
    'no-quote-sheet': ('{name} 中没有“{zh}”/“{en}”工作表（现有：{found}）；报价申请需要 报价申请、报价明细 和 退税率 三张表'
                       '（参见 workbooks/quote_request.xlsx）',
      '{name} has no sheet "{zh}" / "{en}" (found: {found}); a quote request needs 报价申请, 报价明细 and 退税率 '
      '(see workbooks/quote_request.xlsx)'),
    'no-libreoffice': ('无法生成 {names} 的 PDF：没有安装 LibreOffice（{soffice}）；请安装 libreoffice-calc'
                       '（中文还需 fonts-noto-cjk），或去掉 --pdf',
      'cannot make a PDF of {names}: LibreOffice ({soffice}) is not installed; install libreoffice-calc (and '
      'fonts-noto-cjk for Chinese) or leave out --pdf'),
    'pdf-timeout': ('LibreOffice 未能在 {limit:g} 秒内把 {names} 转成 PDF；请关闭其他 LibreOffice 窗口后重试',
      'LibreOffice did not convert {names} to PDF within {limit:g} s; close other LibreOffice windows and try again'),
    'pdf-failed': ('LibreOffice 无法把 {names} 转成 PDF（{why}）；请在 LibreOffice 中打开它查看原因',
      'LibreOffice could not convert {names} to PDF ({why}); open it in LibreOffice to see why'),
    'logo-not-image': ('{path}：不是 PNG 或 JPEG 图片；请把标志另存为 .png 或 .jpg',
      '{path}: not a PNG or JPEG image; save the logo as .png or .jpg'),
    'no-pandas': ("没有安装 pandas；请用 pip install 'gendan-xl[pandas]' 安装",
      "pandas is not installed; install it with: pip install 'gendan-xl[pandas]'"),
    'period-unknown': ('看不懂期间 {text!r}；请写成 2026-06、2026-Q2 或 2026-04-01..2026-06-30',
      'period {text!r} not understood; write it like 2026-06, 2026-Q2 or 2026-04-01..2026-06-30'),
    'as-of-before-period': ('截止日 {as_of} 在期间 {period} 开始之前；请给出 {start} 或之后的日期',
      'as-of date {as_of} is before the period {period} starts; pass a date from {start} on'),
    'period-before-opening': ('期间 {period} 在期初余额日 {cutover} 当天或之前结束；请选 {cutover} 之后的期间',
      'period {period} ends on or before the opening balances of {cutover}; choose a period after {cutover}'),
    'kpi-basis': ('口径应为 {allowed} 之一，而不是 {value!r}', 'basis must be one of {allowed}, not {value!r}'),
    'kpi-by': ('--by 应为 {allowed} 之一，而不是 {value!r}', '--by must be one of {allowed}, not {value!r}'),
    'columns-no-field': ('{source}：[columns] 中没有字段 {field!r}；可用字段：{fields}',
      '{source}: [columns] has no field {field!r}; fields: {fields}'),
    'columns-not-list': ('{source}：[columns] {field} 应为表头文字的列表，例如 {field} = ["已出数"]',
      '{source}: [columns] {field} must be a list of header texts, like {field} = ["已出数"]'),
    'statuses-no-stage': ('{source}：[statuses] {word!r} = {stage!r} 不是阶段；可用阶段：{stages}',
      '{source}: [statuses] {word!r} = {stage!r} is not a stage; stages: {stages}'),
    'not-utf8-gbk': ('{name}：不是 UTF-8 或 GBK 文本；请另存为 CSV UTF-8', '{name}: not UTF-8 or GBK text; save it as CSV UTF-8'),
    'no-ledger-header': ('{name}：前 20 行中找不到含日期和金额（借方/贷方/金额/余额，Debit/Credit/Amount/Balance）的表头行；'
                         '请检查列标题',
      '{name}: no header row with a date and an amount (借方/贷方/金额/余额, Debit/Credit/Amount/Balance) in the first '
      '20 rows; check the column titles'),
    'no-dates-for-period': ('{name}：没有日期，无法判断期间；请用 --period 2026-06 指定',
      '{name}: no dates to tell the period from; pass --period 2026-06'),
    'several-customers': ('{name} 中有多个客户的对账单（{names}）；请用 --customer 指定客户代码',
      '{name} has statements for several customers ({names}); pass --customer CODE'),
    # the workbook with buttons (xlwings)
    'xlwings-broken': ('{path}：xlwings {version} 中没有可用的 {part}（{why}）；请重新安装 xlwings'
                       '（pip install --force-reinstall xlwings）',
      '{path}: xlwings {version} has no usable {part} ({why}); reinstall xlwings (pip install --force-reinstall '
      'xlwings)'),
    'xlsm-suffix': ('{name}：带按钮的工作簿必须以 .xlsm 结尾（例如 {stem}.xlsm）',
      '{name}: a workbook with buttons must end in .xlsm (e.g. {stem}.xlsm)'),
    'xlsm-identifier': ('{name}：按钮会导入与工作簿同名的 Python 模块，而“{stem}”不能作模块名；只用字母、数字和 _，'
                        '例如 {fixed}.xlsm',
      '{name}: the buttons import a Python module named like the workbook, and "{stem}" cannot be one; use letters, '
      'digits and _ only, e.g. {fixed}.xlsm'),
    'xlsm-shadowed': ('{name}：“{stem}”已经是一个 Python 模块，按钮会导入它而不是我们的；请换个名字，例如 {stem}_orders.xlsm',
      '{name}: "{stem}" is already a Python module, which the buttons would import instead of ours; choose another '
      'name, e.g. {stem}_orders.xlsm'),
    'xlsm-module-taken': ('{path}：已有同名的 Python 文件，且不是我们的；请换个工作簿名',
      '{path}: a Python file of that name already exists and is not ours; choose another workbook name'),
    'new-exists': ('{path} 已存在；请换个名字（我们从不覆盖工作簿）',
      '{path} already exists; choose another name (we never overwrite a workbook)'),
    # jobs/jobs.toml and what each job needs (ConfigError)
    'job-time': ('{where}：{value!r} 不是时间；请写成 "08:30"', '{where}: {value!r} is not a time; write it like "08:30"'),
    'job-table': ('{where} 应为一个表，含 runs、every、at 和 recipients', '{where} must be a table with runs, every, at and recipients'),
    'job-runs': ('{where}：runs = {value!r} 不是 {allowed} 之一', '{where}: runs = {value!r} is not one of {allowed}'),
    'job-every': ('{where}：every = {value!r} 不是 {allowed} 之一', '{where}: every = {value!r} is not one of {allowed}'),
    'job-until': ('{where}：每小时运行的任务需要 until = "18:00"（下班时间）',
      '{where}: an hourly job needs until = "18:00" (the end of working hours)'),
    'job-recipients': ('{where}：recipients 应为列表，例如 ["merchandisers", "lead"]',
      '{where}: recipients must be a list like ["merchandisers", "lead"]'),
    'job-catch-up': ('{where}：catch_up_workdays 应为工作日数（整数），例如 3',
      '{where}: catch_up_workdays must be a whole number of working days, like 3'),
    'jobs-file-missing': ('找不到 {path}；请从 gendan-xl 复制 jobs/jobs.toml，或用 --jobs 指定',
      '{path} not found; copy jobs/jobs.toml from gendan-xl or pass --jobs'),
    'jobs-file-toml': ('{path} 不是有效的 TOML（{why}）；请改正那一行', '{path} is not valid TOML ({why}); fix that line'),
    'job-needs-workbook': ('{job} 需要订单工作簿；请在 gendan.toml 中设置 [workbook] path',
      '{job} needs the orders workbook; set [workbook] path in gendan.toml'),
    'job-needs-workbooks': ('{job} 需要订单工作簿；请在 gendan.toml 中设置 [workbook] path 或 paths',
      '{job} needs the orders workbooks; set [workbook] path or paths in gendan.toml'),
    # the streaming reader and the check before a refresh replaces the workbook
    'bad-shared-strings': ('{name}：共享字符串有误（{why}）；拒绝读取', '{name}: shared strings: {why}; refused'),
    'bad-sheet-xml': ('{name}：工作表 {sheet!r} 有误（{why}）；请在 Excel 中打开并重新保存',
      '{name}: sheet {sheet!r}: {why}; open and re-save it in Excel'),
    'no-sheet-data': ('{name}：{part} 中没有 <sheetData>；请在 Excel 中打开并重新保存',
      '{name}: {part} has no <sheetData>; open and re-save it in Excel'),
    'no-sheet-data-start': ('{name}：{part} 开头附近没有 <sheetData>；请在 Excel 中打开并重新保存',
      '{name}: {part} has no <sheetData> near its start; open and re-save it in Excel'),
    'incomplete-sheet-data': ('{name}：工作表的 XML 中 <sheetData> 不完整；请在 Excel 中打开并重新保存',
      '{name}: the worksheet XML has no complete <sheetData>; open and re-save it in Excel'),
    'bad-cell': ('{name}：有一个单元格无法读取（{why}）；请在 Excel 中打开并重新保存',
      '{name}: a cell cannot be read ({why}); open and re-save it in Excel'),
    'bad-row': ('{name}：有一行无法读取（{why}）；请在 Excel 中打开并重新保存',
      '{name}: a row cannot be read ({why}); open and re-save it in Excel'),
    'verify-bad-xml': ('{name}：将要写入的一个单元格不是格式正确的 XML（{why}：{bad!r}）；工作簿未改动',
      '{name}: a cell we were about to write is not well-formed XML ({why}: {bad!r}); the workbook is unchanged'),
    'verify-reads-back': ('{name}：将要写入的单元格 {value!r} 读回来会变成 {got!r}；工作簿未改动',
      '{name}: a cell we were about to write, {value!r}, would read back as {got!r}; the workbook is unchanged'),
    'verify-unreadable': ('{name}：写出的文件无法读回（{why}）；工作簿未改动',
      '{name}: the written file does not read back ({why}); the workbook is unchanged'),
}
