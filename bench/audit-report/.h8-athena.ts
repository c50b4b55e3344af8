// temporary (h8)
import { withRecordsRelation } from '../../lib/query/athena-sql';
console.log(withRecordsRelation('db', 'tbl', 'SELECT 1'));
