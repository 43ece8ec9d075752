"""What the workbooks and reports we write say, and the reasons in them."""
from __future__ import annotations

from gendan_xl.i18n import Texts

# Reconciliation: how each difference with the customer's books is explained, its short name, and who has not
# booked a document yet.
RECONCILE: Texts = {
    'matched': ('双方一致',
      'Both sides agree'),
    'amount_differs': ('{doc} 金额不一致：我方 {ours}，对方 {theirs}，相差 {diff}；请核对单价或数量',
      '{doc}: amounts differ, ours {ours}, theirs {theirs}, difference {diff}; check price or quantity'),
    'bank_charges': ('{doc} 付款 {paid}，实收 {received}，短少 {diff}，可能是银行手续费',
      '{doc}: {paid} paid, {received} received, {diff} short — probably bank charges deducted from the transfer'),
    'unbooked_credit_note': ('{doc} 是我方开出的退货/红字单 {amount}，对方尚未入账',
      '{doc} is our credit note for {amount}, not yet booked by them'),
    'timing': ('{doc}（{date}）在期末前后，可能在途：{side}尚未入账，下期应会出现',
      '{doc} ({date}) is at the period end, probably in transit: not yet booked {side}; it should appear next period'),
    'only_ours': ('{doc}（{date}，{amount}）只在我方账上，请对方核对是否漏记',
      '{doc} ({date}, {amount}) is on our books only; ask them whether they missed it'),
    'only_theirs': ('{doc}（{date}，{amount}）只在对方账上，请核对我方是否漏记或对方记错',
      '{doc} ({date}, {amount}) is on their books only; check whether we missed it or they booked it wrongly'),
}
RECONCILE_CATEGORY: Texts = {
    'matched': ('一致',
      'matched'),
    'amount_differs': ('金额不符',
      'amount differs'),
    'bank_charges': ('银行手续费',
      'bank charges'),
    'unbooked_credit_note': ('对方未入账退货',
      'unbooked credit note'),
    'timing': ('在途',
      'timing'),
    'only_ours': ('仅我方',
      'only ours'),
    'only_theirs': ('仅对方',
      'only theirs'),
}
RECONCILE_SIDE: Texts = {
    'ours': ('对方',
      'by them'),
    'theirs': ('我方',
      'by us'),
}
