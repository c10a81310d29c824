import type { UserFieldsFragment } from '../../gql/graphql';
import { useRowNavigation } from '../../components/useRowNavigation';
import { displayName, formatCredits, formatPhone } from '../../lib/format';
import { paths } from '../../lib/routes';
import { Link } from '../../routes/router';

export function UsersTable({ users, onOpen }: { users: UserFieldsFragment[]; onOpen: (user: UserFieldsFragment) => void }) {
  const { rowProps } = useRowNavigation<HTMLTableRowElement>(users.length, (i) => onOpen(users[i]));
  return (
    <table className="table table--rows">
      <caption className="sr-only">Users; use the arrow keys to move between rows and Enter to open one.</caption>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Phone</th>
          <th scope="col" className="num">
            Balance / allowance
          </th>
          <th scope="col">Period</th>
        </tr>
      </thead>
      <tbody>
        {users.map((user, index) => (
          <tr key={user.id} {...rowProps(index)} onClick={() => onOpen(user)} className="row-link" data-user-id={user.id}>
            <td data-label="Name">
              <Link to={paths.conversations(user.id)} tabIndex={-1} onClick={(e) => e.stopPropagation()}>
                <bdi>{displayName(user.name, user.phone ?? user.businessScopedUserId)}</bdi>
              </Link>
              {user.role === 'ADMIN' && <span className="badge badge--role">admin</span>}
            </td>
            <td data-label="Phone">{formatPhone(user.phone) || <span className="muted">{user.businessScopedUserId ?? '—'}</span>}</td>
            <td data-label="Balance / allowance" className="num">
              {formatCredits(user.currentMonthCredits, user.monthlyAllowance)}
            </td>
            <td data-label="Period">{user.creditsPeriod}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
