/* TRS-style pagination shared by every farm site: a list split into index.html, index_1.html, ...
   createPageHTML(pageCount, currentIndex, "index", "html") writes first/previous/numbered/next/last links. */
function createPageHTML(nPageCount, nCurrIndex, sPageName, sPageExt) {
  if (nPageCount <= 1) { return; }
  function name(i) { return i === 0 ? sPageName + '.' + sPageExt : sPageName + '_' + i + '.' + sPageExt; }
  var html = '<a href="' + name(0) + '">首页</a> ';
  if (nCurrIndex > 0) { html += '<a href="' + name(nCurrIndex - 1) + '">上一页</a> '; }
  for (var i = 0; i < nPageCount; i++) {
    html += i === nCurrIndex ? '<span>' + (i + 1) + '</span> ' : '<a href="' + name(i) + '">' + (i + 1) + '</a> ';
  }
  if (nCurrIndex < nPageCount - 1) { html += '<a href="' + name(nCurrIndex + 1) + '">下一页</a> '; }
  html += '<a href="' + name(nPageCount - 1) + '">尾页</a>';
  document.write(html);
}
